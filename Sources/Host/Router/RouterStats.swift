import Foundation

/// Counters of the router, read by `vigil bench`, logs and metrics.
final class RouterStats: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Int] = [:]

    func add(_ key: String, _ n: Int = 1) {
        lock.lock(); values[key, default: 0] += n; lock.unlock()
    }

    subscript(key: String) -> Int {
        lock.lock(); defer { lock.unlock() }; return values[key, default: 0]
    }

    var snapshot: [String: Int] { lock.lock(); defer { lock.unlock() }; return values }
}
