import CHiredis
import Foundation

extension RedisConnection {
    /// What `readReply(timeout:wakeDescriptor:)` came back with.
    public enum WaitResult: Sendable, Equatable {
        /// A whole reply arrived.
        case reply(RedisReply)
        /// Nothing arrived within the timeout; the connection is still usable.
        case timedOut
        /// `wakeDescriptor` became readable first; the connection is still usable.
        case woken
    }

    /// Sends everything queued with `append`, blocking until it is written.
    public func flush() throws {
        var done: Int32 = 0
        repeat {
            guard redisBufferWrite(context, &done) == REDIS_OK else { throw lostError("write") }
        } while done == 0
    }

    /// Waits up to `timeout` seconds (nil: forever) for the next reply, without hiredis's socket
    /// timeout, so running out of time leaves the connection usable (a subscriber's idle wait).
    /// Returns early with `.woken` when `wakeDescriptor` (e.g. a pipe) becomes readable.
    public func readReply(timeout: Double?, wakeDescriptor: Int32? = nil) throws -> WaitResult {
        try flush()
        let deadline = timeout.map { DispatchTime.now().uptimeNanoseconds + UInt64(max(0, $0) * 1e9) }
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReplyFromReader(context, &raw) == REDIS_OK else {
                throw RedisError(operation: "read", message: Self.contextError(context), connectionLost: true)
            }
            if let raw {
                defer { freeReplyObject(raw) }
                return .reply(Self.convert(raw.assumingMemoryBound(to: redisReply.self)))
            }
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
            if let wakeDescriptor { fds.append(pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)) }
            var waitMs: Int32 = -1
            if let deadline {
                let now = DispatchTime.now().uptimeNanoseconds
                waitMs = now >= deadline ? 0 : Int32(min(Int64(Int32.max), Int64((deadline - now + 999_999) / 1_000_000)))
            }
            let ready = poll(&fds, nfds_t(fds.count), waitMs)
            if ready < 0 {
                if errno == EINTR { continue }
                throw RedisError(operation: "poll", message: String(cString: strerror(errno)), connectionLost: true)
            }
            if ready == 0 { return .timedOut }
            if fds[0].revents != 0 {
                guard redisBufferRead(context) == REDIS_OK else { throw lostError("read") }
            } else if fds.count > 1, fds[1].revents != 0 {
                return .woken
            }
        }
    }

    /// The next reply if hiredis has already read all of it, without touching the socket; nil
    /// when more bytes must arrive first (then `readReply(operation:)` flushes and waits).
    public func bufferedReply() throws -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else {
            throw RedisError(operation: "read", message: Self.contextError(context), connectionLost: true)
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// True when the server closed this idle connection (or sent something unasked): a restarted
    /// server leaves such sockets behind. Checked before reusing a pooled connection, so a command
    /// is never written into a dead socket. Only meaningful when no reply is outstanding.
    public var isStale: Bool {
        var fd = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, 0) != 0
    }
}
