import Foundation
import PluginAPI

/// The pixels a camera's snapshot queue may hold, in bytes. An image is counted once however
/// many queued events carry it (a detector often attaches the same frame to several events),
/// and released when the last of them is written.
final class SnapshotBudget: @unchecked Sendable {
    /// The most bytes held at once.
    let limit: Int
    private let lock = NSLock()
    private var held: [ObjectIdentifier: (bytes: Int, uses: Int)] = [:]
    private var total = 0

    init(limit: Int) { self.limit = max(0, limit) }

    /// The bytes an image holds.
    static func size(_ image: Image) -> Int { image.bytesPerRow * image.height }

    /// Counts one more queued use of `image`; false (nothing counted) when it would go over the limit.
    /// An image already held costs nothing more.
    func reserve(_ image: Image) -> Bool {
        let id = ObjectIdentifier(image)
        lock.lock(); defer { lock.unlock() }
        if let h = held[id] { held[id] = (h.bytes, h.uses + 1); return true }
        let size = Self.size(image)
        guard total + size <= limit else { return false }
        held[id] = (size, 1)
        total += size
        return true
    }

    /// Ends one use of `image` (reserved before, still alive).
    func release(_ image: Image) {
        let id = ObjectIdentifier(image)
        lock.lock(); defer { lock.unlock() }
        guard let h = held[id] else { return }
        if h.uses > 1 { held[id] = (h.bytes, h.uses - 1); return }
        held[id] = nil
        total -= h.bytes
    }

    /// Bytes held now.
    var bytesHeld: Int { lock.lock(); defer { lock.unlock() }; return total }
}
