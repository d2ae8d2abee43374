import Foundation

/// The worker's read-only mappings of vigil's frame memory, by pool and generation. Mapped once
/// when vigil first sends a frame from it, kept while the worker lives.
final class FrameMappings: @unchecked Sendable {
    private struct Key: Hashable { let pool: Int; let generation: Int }
    private let lock = NSLock()
    private var maps: [Key: (base: UnsafeRawPointer, size: Int)] = [:]

    /// Maps `fd` (closed afterwards) as pool/generation; a repeat is ignored.
    func add(pool: Int, generation: Int, size: Int, fd: Int32) throws {
        defer { close(fd) }
        let key = Key(pool: pool, generation: generation)
        lock.lock(); defer { lock.unlock() }
        guard maps[key] == nil else { return }
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw WireError.io("mmap of frame memory (\(size) bytes): \(String(cString: strerror(errno)))")
        }
        maps[key] = (UnsafeRawPointer(base), size)
    }

    /// The address of `bytes` at `offset` in pool/generation; nil when unknown or out of range.
    func address(pool: Int, generation: Int, offset: Int, bytes: Int) -> UnsafeRawPointer? {
        lock.lock(); defer { lock.unlock() }
        guard let map = maps[Key(pool: pool, generation: generation)], offset >= 0, offset + bytes <= map.size else { return nil }
        return map.base + offset
    }
}
