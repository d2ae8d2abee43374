import Foundation

/// Append-only files of events that are not in PostgreSQL yet (`SPOOL_DIR/spool-<µs>.jsonl`), replayed
/// in order and deleted once PostgreSQL holds them. Each append is fsynced; an append that fails
/// is cut back off the file, so a retry never lands on a partial line. Lines that cannot be replayed
/// go to `quarantine-<file>`, events PostgreSQL refuses to `rejected.jsonl`. Thread-safe: with
/// DURABLE_INTAKE the intake journal appends while the writer replays and deletes.
final class Spool: @unchecked Sendable {
    let directory: String
    /// Plate keys: spooled and journaled lines hold plates sealed (see `SpoolLine`); nil: plain.
    let plates: PlateVault?
    private let lock = NSLock()
    private var files: [String]
    private var current: (name: String, fd: Int32, size: Int)?
    /// Sealed files whose tail could not be cut back after a failed append: replay stops at this size.
    private var goodSizes: [String: Int] = [:]
    /// Files sealed by this process, with their final size.
    private var sealedSizes: [String: Int] = [:]
    private var lastName: UInt64

    init(directory: String, plates: PlateVault? = nil) throws {
        self.directory = directory
        self.plates = plates
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        files = names.filter { $0.hasPrefix("spool-") && $0.hasSuffix(".jsonl") }.sorted()
        // New files sort after the ones already there.
        lastName = files.last.flatMap { UInt64($0.dropFirst(6).dropLast(6), radix: 16) } ?? 0
    }

    deinit { if let c = current { close(c.fd) } }

    /// Spool files waiting to be replayed, oldest first (the one being appended to last).
    func pendingFiles() -> [String] { lock.withLock { files } }

    /// True while any spooled event is not yet in PostgreSQL.
    var hasPending: Bool { lock.withLock { !files.isEmpty } }

    /// The file being appended to, if any.
    var currentFile: String? { lock.withLock { current?.name } }

    /// How far `file` may be read: the fsynced size of the file being appended to, the good size of
    /// a file whose failed append could not be cut back, else nil (to its end).
    func readLimit(_ file: String) -> Int? {
        lock.withLock { current?.name == file ? current!.size : goodSizes[file] }
    }

    /// Appends whole lines and fsyncs them; returns the file and its size after them. On failure the
    /// file is cut back to its size before, and the error thrown.
    @discardableResult
    func append(_ bytes: [UInt8]) throws -> (file: String, end: Int) {
        try lock.withLock {
            if current == nil { try create() }
            let (name, fd, size) = current!
            var written = 0
            var failure: Int32 = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(size + written)) }
                if n < 0 { if errno == EINTR { continue }; failure = errno; break }
                written += n
            }
            if failure == 0 && fdatasync(fd) != 0 { failure = errno }
            guard failure != 0 else {
                current!.size = size + bytes.count
                return (name, size + bytes.count)
            }
            if ftruncate(fd, off_t(size)) != 0 {
                // The partial tail stays: stop appending to this file and never read past its good size.
                goodSizes[name] = size
                close(fd); current = nil
            }
            throw SpoolError(path: "\(directory)/\(name)", operation: "write", errno: failure)
        }
    }

    /// Appends events as spool lines (see `append(_ bytes:)`).
    @discardableResult
    func append(_ events: [NewEvent]) throws -> (file: String, end: Int) {
        var bytes: [UInt8] = []
        for e in events { SpoolLine.encode(e, plates: plates, into: &bytes) }
        return try append(bytes)
    }

    /// Reads up to `max` events of `file` from byte `offset` (see `SpoolReader`).
    func read(file: String, from offset: Int, max: Int) throws -> SpoolReader.Chunk {
        try SpoolReader(path: "\(directory)/\(file)", plates: plates)
            .read(from: offset, limit: readLimit(file), maxEvents: max, sealed: currentFile != file)
    }

    /// Stops appending to the current file (the next append starts a new one); returns its name and size.
    @discardableResult
    func seal() -> (file: String, size: Int)? {
        lock.withLock {
            guard let c = current else { return nil }
            close(c.fd)
            current = nil
            sealedSizes[c.name] = c.size
            return (c.name, c.size)
        }
    }

    /// The final size of a file this process sealed.
    func sealedSize(_ file: String) -> Int? { lock.withLock { sealedSizes[file] } }

    /// Deletes a replayed file.
    func remove(file: String) {
        lock.withLock {
            if current?.name == file { close(current!.fd); current = nil }
            unlink("\(directory)/\(file)")
            files.removeAll { $0 == file }
            goodSizes[file] = nil
            sealedSizes[file] = nil
        }
    }

    /// Sets aside a file that cannot be read (renamed `quarantine-<file>`, never deleted) and stops
    /// replaying it. Throws when even the rename fails (it then stays, and is retried at the next start).
    func setAside(file: String) throws {
        try lock.withLock {
            if current?.name == file { close(current!.fd); current = nil }
            files.removeAll { $0 == file }
            guard rename("\(directory)/\(file)", "\(directory)/quarantine-\(file)") == 0 else {
                throw SpoolError(path: "\(directory)/\(file)", operation: "rename", errno: errno)
            }
        }
    }

    /// Copies byte ranges of `file` (lines that are not events) to `quarantine-<file>`, one line each, fsynced.
    func quarantine(file: String, _ ranges: [Range<Int>]) throws {
        let source = "\(directory)/\(file)", target = "\(directory)/quarantine-\(file)"
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SpoolError(path: source, operation: "open", errno: errno) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SpoolError(path: target, operation: "open", errno: errno) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for range in ranges {
            var pos = range.lowerBound
            while pos < range.upperBound {
                let n = buffer.withUnsafeMutableBytes { pread(input, $0.baseAddress, min($0.count, range.upperBound - pos), off_t(pos)) }
                if n <= 0 { throw SpoolError(path: source, operation: "read", errno: n < 0 ? errno : EIO) }
                try Self.write(output, buffer[..<n], path: target)
                pos += n
            }
            try Self.write(output, [0x0A], path: target)
        }
        guard fsync(output) == 0 else { throw SpoolError(path: target, operation: "fsync", errno: errno) }
    }

    /// Keeps an event PostgreSQL refused as a JSON line in `rejected.jsonl` (fsynced). Throws when it cannot.
    func reject(_ event: NewEvent) throws {
        let path = "\(directory)/rejected.jsonl"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var line: [UInt8] = []
        SpoolLine.encode(event, plates: plates, into: &line)
        let size = lseek(fd, 0, SEEK_END)
        do {
            try Self.write(fd, line[...], path: path)
            guard fsync(fd) == 0 else { throw SpoolError(path: path, operation: "fsync", errno: errno) }
        } catch {
            if size >= 0 { ftruncate(fd, size) }
            throw error
        }
    }

    private static func write(_ fd: Int32, _ bytes: ArraySlice<UInt8>, path: String) throws {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw SpoolError(path: path, operation: "write", errno: errno) }
            rest = rest.dropFirst(n)
        }
    }

    /// Opens a new file (name from the clock, strictly increasing) and fsyncs the folder. Lock held.
    private func create() throws {
        lastName = max(lastName + 1, UInt64(Date().timeIntervalSince1970 * 1_000_000))
        let name = String(format: "spool-%016llx.jsonl", lastName)
        let path = "\(directory)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolError(path: path, operation: "create", errno: errno) }
        let dir = open(directory, O_RDONLY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
        current = (name, fd, 0)
        files.append(name)
    }
}
