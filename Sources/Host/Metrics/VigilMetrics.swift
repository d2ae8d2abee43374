import CoreMetrics
import Foundation
import Prometheus

/// vigil's metrics: swift-metrics counters and gauges made by a Prometheus factory over a registry
/// of our own (no global bootstrap, so tests and benches can make as many as they like).
/// `GET /metrics` renders the registry in the Prometheus text format. Every counter exists from
/// the start at 0 (Prometheus rates need the zero): the router's outcomes at init, a sink's when
/// it is declared.
package final class VigilMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private let events: [EventOutcome: CoreMetrics.Counter]
    private var sinks: [String: [SinkOutcome: CoreMetrics.Counter]] = [:]
    private var gauges: [String: CoreMetrics.Gauge] = [:]

    package init() {
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        events = Dictionary(uniqueKeysWithValues: EventOutcome.allCases.map { outcome in
            (outcome, CoreMetrics.Counter(label: "vigil_events_total", dimensions: [("outcome", outcome.rawValue)], factory: factory))
        })
    }

    /// Counts router events: `.saved` → `vigil_events_total{outcome="saved"}`.
    package func count(_ outcome: EventOutcome, _ n: Int) {
        guard n > 0 else { return }
        events[outcome]?.increment(by: Int64(n))
    }

    /// Counts a sink's events: `.delivered` → `vigil_sink_events_total{sink="alerts",outcome="delivered"}`,
    /// `.retries` → `vigil_sink_retries_total{sink="alerts"}`. A sink not declared yet is declared.
    package func count(sink: String, _ outcome: SinkOutcome, _ n: Int) {
        guard n > 0 else { return }
        counters(sink: sink)[outcome]?.increment(by: Int64(n))
    }

    /// Creates each sink's counters at 0, so they show in `/metrics` before their first event.
    package func declare(sinks names: [String]) {
        for name in names { _ = counters(sink: name) }
    }

    /// Sets a gauge, e.g. `vigil_camera_fps{camera="camera-01"}`.
    package func gauge(_ label: String, _ dimensions: [(String, String)], _ value: Double) {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        lock.lock()
        let g = gauges[key] ?? CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
        gauges[key] = g
        lock.unlock()
        g.record(value)
    }

    /// The Prometheus text exposition of everything recorded.
    package func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    private func counters(sink: String) -> [SinkOutcome: CoreMetrics.Counter] {
        lock.lock(); defer { lock.unlock() }
        if let c = sinks[sink] { return c }
        var made: [SinkOutcome: CoreMetrics.Counter] = [:]
        for outcome in SinkOutcome.allCases {
            made[outcome] = outcome == .retries
                ? CoreMetrics.Counter(label: "vigil_sink_retries_total", dimensions: [("sink", sink)], factory: factory)
                : CoreMetrics.Counter(label: "vigil_sink_events_total", dimensions: [("sink", sink), ("outcome", outcome.rawValue)],
                                      factory: factory)
        }
        sinks[sink] = made
        return made
    }
}
