import Foundation
import HostMetrics

/// Counters of the router, read by `vigil bench`, logs and metrics.
package final class RouterStats: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Int] = [:]
    /// Where counts are also reported for `GET /metrics` (none in benches and most tests).
    let metrics: VigilMetrics?

    package init(metrics: VigilMetrics? = nil) { self.metrics = metrics }

    package func add(_ key: String, _ n: Int = 1) {
        guard n != 0 else { return }
        lock.lock(); values[key, default: 0] += n; lock.unlock()
        metrics?.count(key, n)
    }

    package subscript(key: String) -> Int {
        lock.lock(); defer { lock.unlock() }; return values[key, default: 0]
    }

    var snapshot: [String: Int] { lock.lock(); defer { lock.unlock() }; return values }
}
