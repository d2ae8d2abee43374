import Foundation

/// Reads a spool file from a byte offset: whole lines only, each event with the offset just past
/// its line (what replay records in PostgreSQL), and the lines that are not events: over
/// `SpoolLine.maxLineBytes`, not JSON, not an event, or a torn last line of a sealed file. Those are
/// returned as byte ranges for the quarantine, so nothing is skipped without a trace.
struct SpoolReader {
    struct Entry {
        let event: NewEvent
        /// Set when the event's batch may already be committed (see `SpoolLine`).
        let batch: String?
        /// The file offset just past this event's line.
        let end: Int
    }

    struct Chunk {
        var entries: [Entry] = []
        /// Byte ranges of lines that are not events (without their newline).
        var bad: [Range<Int>] = []
        /// The offset just past the last line read (entries and bad lines).
        var end: Int
        /// The events read.
        var events: [NewEvent] { entries.map(\.event) }
    }

    let path: String
    /// Plate keys to open sealed plates with (`Spool.plates`).
    var plates: PlateVault? = nil
    /// Lines up to this length are parsed; longer ones are bad.
    var lineLimit = SpoolLine.maxLineBytes

    /// Reads from `offset` up to `limit` (nil: the end of the file) at most `maxEvents` events or
    /// about `maxBytes` bytes. A last line without its newline is left unread unless `sealed`
    /// (then it is torn: bad). Throws `SpoolError` when the file cannot be read.
    func read(from offset: Int, limit: Int? = nil, maxEvents: Int, maxBytes: Int = 32 << 20, sealed: Bool) throws -> Chunk {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SpoolError(path: path, operation: "stat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw SpoolError(path: path, operation: "open", errno: EISDIR) }
        let size = min(Int(st.st_size), limit ?? Int.max)
        var chunk = Chunk(end: offset)
        var pos = offset, bytes = 0
        scan: while pos < size && chunk.entries.count < maxEvents && bytes < maxBytes {
            let block = try pread(fd, at: pos, count: min(size - pos, max(4 << 20, lineLimit + 1)))
            var i = 0
            while i < block.count {
                guard let nl = block[i...].firstIndex(of: 0x0A) else {
                    let rest = block.count - i
                    if rest > lineLimit {   // an overlong line: it ends at the next newline, or at the end
                        let lineEnd = try findNewline(fd, from: pos + i + rest, size: size)
                        chunk.bad.append((pos + i)..<(lineEnd ?? size))
                        pos = lineEnd.map { $0 + 1 } ?? size
                        chunk.end = pos
                        continue scan
                    }
                    if pos + block.count >= size {   // the last line has no newline
                        if sealed { chunk.bad.append((pos + i)..<size); chunk.end = size }
                        break scan
                    }
                    pos += i   // a whole line did not fit in this block: read again from its start
                    continue scan
                }
                let range = (pos + i)..<(pos + nl)
                if nl - i > lineLimit {
                    chunk.bad.append(range)
                } else if let (event, batch) = SpoolLine.decode(block[i..<nl], plates: plates) {
                    chunk.entries.append(Entry(event: event, batch: batch, end: pos + nl + 1))
                } else {
                    chunk.bad.append(range)
                }
                bytes += nl - i + 1
                i = nl + 1
                chunk.end = pos + i
                if chunk.entries.count >= maxEvents || bytes >= maxBytes { break scan }
            }
            pos += i
        }
        return chunk
    }

    /// The offset of the first newline at or after `from`, or nil if there is none before `size`.
    private func findNewline(_ fd: Int32, from: Int, size: Int) throws -> Int? {
        var pos = from
        while pos < size {
            let block = try pread(fd, at: pos, count: min(size - pos, 1 << 20))
            if let nl = block.firstIndex(of: 0x0A) { return pos + nl }
            pos += block.count
        }
        return nil
    }

    private func pread(_ fd: Int32, at offset: Int, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer[got...].withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, $0.count, off_t(offset + got)) }
            if n < 0 { if errno == EINTR { continue }; throw SpoolError(path: path, operation: "read", errno: errno) }
            if n == 0 { break }
            got += n
        }
        return got == count ? buffer : Array(buffer[..<got])
    }
}

/// A spool file operation that failed, with the system's message.
struct SpoolError: Error, CustomStringConvertible {
    let path: String
    let operation: String
    let errno: Int32
    var description: String { "spool file \(path): \(operation) failed: \(String(cString: strerror(errno)))" }
}
