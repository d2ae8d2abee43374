// The few Linux calls the plugin worker needs that Swift cannot import (memfd_create is not in
// glibc's Swift module; CMSG_* are macros). All of them live here.
#ifndef CWORKER_H
#define CWORKER_H
#include <stddef.h>
#include <sys/types.h>

/// A new anonymous shared-memory file (close-on-exec) of `size` bytes; -1 with errno on failure.
int cw_memfd(const char *name, size_t size);

/// Sends `len` bytes of `data` on a stream socket with up to 4 file descriptors attached to the
/// first byte (SCM_RIGHTS). Returns the bytes sent (may be fewer than `len`), -1 with errno.
ssize_t cw_send_fds(int socket, const void *data, size_t len, const int *fds, int nfds);

/// Receives up to `len` bytes; file descriptors that came with them are stored in `fds` (up to
/// `maxfds`, close-on-exec) and counted in `*nfds`. Returns the bytes received (0 at EOF), -1 with errno.
ssize_t cw_recv_fds(int socket, void *data, size_t len, int *fds, int maxfds, int *nfds);

/// A pipe whose two ends are close-on-exec; 0 or -1 with errno.
int cw_pipe(int fds[2]);

/// Makes stdout line-buffered (a worker's output reaches vigil line by line, even right before a crash).
void cw_line_buffered_stdout(void);

#endif
