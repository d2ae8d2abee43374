import CWorker
import Foundation
import PluginAPI

/// Frame memory a plugin worker can map: slots in memfd-backed shared memory. A camera that has
/// an isolated detector decodes straight into a slot (OpenCV's own copy out of the decoder lands
/// there), so a frame crosses to the worker without being copied again. A slot is free again
/// when every `Image` over it is gone (the host keeps one while a worker holds the frame).
///
/// Slots come in generations (one memfd each, fixed slot size): a bigger frame or a pool that
/// ran out of free slots starts a new generation, up to `maxSlots` in all; past that `allocate`
/// says no and the caller skips or falls back.
package final class FramePool: @unchecked Sendable {
    /// One memfd of equal slots.
    package final class Generation: @unchecked Sendable {
        package let id: Int
        package let fd: Int32
        package let slotBytes: Int
        package let slotCount: Int
        package let base: UnsafeMutableRawPointer
        fileprivate var free: [Int]

        init(id: Int, slotBytes: Int, slotCount: Int, name: String) throws {
            let size = slotBytes * slotCount
            let fd = cw_memfd(name, size)
            guard fd >= 0 else { throw WireError.io("memfd_create: \(String(cString: strerror(errno)))") }
            guard let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw WireError.io("mmap of \(size) bytes: \(reason)")
            }
            self.id = id; self.fd = fd; self.slotBytes = slotBytes; self.slotCount = slotCount; self.base = base
            free = Array((0..<slotCount).reversed())
        }

        deinit { munmap(base, slotBytes * slotCount); close(fd) }

        /// The size of the whole mapping.
        package var size: Int { slotBytes * slotCount }
        func contains(_ p: UnsafeRawPointer) -> Bool { p >= UnsafeRawPointer(base) && p < UnsafeRawPointer(base + size) }
    }

    /// A slot handed out: write the frame at `pointer`, then wrap it with `image(…)`.
    package struct Slot {
        package let generation: Generation
        package let index: Int
        package var pointer: UnsafeMutableRawPointer { generation.base + index * generation.slotBytes }
        package var bytes: Int { generation.slotBytes }
    }

    private static let ids = Counter()
    /// Unique in this process: workers key their mappings by it.
    package let id: Int
    private let name: String
    private let maxSlots: Int
    private let lock = NSLock()
    private var generations: [Generation] = []
    private var nextGeneration = 0

    package init(name: String, maxSlots: Int = 32) {
        self.name = name; self.maxSlots = maxSlots; id = Self.ids.next()
    }

    /// A free slot of at least `bytes`; nil when `maxSlots` are all in use (or memory failed).
    package func allocate(bytes: Int) -> Slot? {
        lock.lock(); defer { lock.unlock() }
        for g in generations.reversed() where g.slotBytes >= bytes {
            if let i = g.free.popLast() { return Slot(generation: g, index: i) }
        }
        // Generations with every slot free and too small are of no more use.
        generations.removeAll { $0.slotBytes < bytes && $0.free.count == $0.slotCount }
        let used = generations.reduce(0) { $0 + $1.slotCount }
        let count = min(4, maxSlots - used)
        guard count > 0 else { return nil }
        let page = 4096
        let slotBytes = (max(bytes, 1) + page - 1) / page * page
        nextGeneration += 1
        guard let g = try? Generation(id: nextGeneration, slotBytes: slotBytes, slotCount: count, name: "vigil-frames-\(name)") else {
            return nil
        }
        generations.append(g)
        return Slot(generation: g, index: g.free.popLast()!)
    }

    /// Gives a slot back.
    package func release(_ slot: Slot) {
        lock.lock(); slot.generation.free.append(slot.index); lock.unlock()
    }

    /// An image over `slot` (tightly packed BGR8 or gray); the slot is freed with the image.
    package func image(_ slot: Slot, width: Int, height: Int, format: Image.PixelFormat) -> Image {
        Image(width: width, height: height, bytesPerRow: width * format.rawValue, format: format,
              baseAddress: UnsafeRawPointer(slot.pointer), release: { [self] in release(slot) })
    }

    /// Where `pointer` lies in this pool: the generation and the offset in it.
    package func locate(_ pointer: UnsafeRawPointer) -> (generation: Generation, offset: Int)? {
        lock.lock(); defer { lock.unlock() }
        guard let g = generations.first(where: { $0.contains(pointer) }) else { return nil }
        return (g, pointer - UnsafeRawPointer(g.base))
    }

    /// Slots in use now.
    package var slotsInUse: Int {
        lock.lock(); defer { lock.unlock() }
        return generations.reduce(0) { $0 + $1.slotCount - $1.free.count }
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
