import Foundation
import HostMetrics

/// Counters of the router and the sinks, read by `vigil bench`, the status page and logs, and
/// reported to `/metrics` as they change. Typed: an `EventOutcome` or a sink's `SinkOutcome`.
package final class RouterStats: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [EventOutcome: Int] = [:]
    private var sinks: [String: [SinkOutcome: Int]] = [:]
    /// Where counts are also reported for `GET /metrics` (none in benches and most tests).
    let metrics: VigilMetrics?

    package init(metrics: VigilMetrics? = nil) { self.metrics = metrics }

    /// Counts `n` router events with this outcome.
    package func add(_ outcome: EventOutcome, _ n: Int = 1) {
        guard n != 0 else { return }
        lock.lock(); events[outcome, default: 0] += n; lock.unlock()
        metrics?.count(outcome, n)
    }

    /// Router events with this outcome so far.
    package subscript(_ outcome: EventOutcome) -> Int {
        lock.lock(); defer { lock.unlock() }; return events[outcome, default: 0]
    }

    /// Counts `n` events of sink `name` with this outcome.
    package func add(sink name: String, _ outcome: SinkOutcome, _ n: Int = 1) {
        guard n != 0 else { return }
        lock.lock(); sinks[name, default: [:]][outcome, default: 0] += n; lock.unlock()
        metrics?.count(sink: name, outcome, n)
    }

    /// Events of sink `name` with this outcome so far.
    package subscript(sink name: String, _ outcome: SinkOutcome) -> Int {
        lock.lock(); defer { lock.unlock() }; return sinks[name]?[outcome] ?? 0
    }
}
