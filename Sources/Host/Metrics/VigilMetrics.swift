import CoreMetrics
import Foundation
import Prometheus

/// vigil's metrics: swift-metrics counters and gauges made by a Prometheus factory over a registry
/// of our own (no global bootstrap, so tests and benches can make as many as they like).
/// `GET /metrics` renders the registry in the Prometheus text format.
package final class VigilMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private var counters: [String: CoreMetrics.Counter] = [:]
    private var gauges: [String: CoreMetrics.Gauge] = [:]

    package init() { factory = PrometheusMetricsFactory(registry: registry) }

    /// Counts a router or sink statistic: `saved` → `vigil_events_total{outcome="saved"}`,
    /// `sink.alerts.delivered` → `vigil_sink_events_total{sink="alerts",outcome="delivered"}`,
    /// `sink.alerts.retries` → `vigil_sink_retries_total{sink="alerts"}`.
    package func count(_ key: String, _ n: Int) {
        guard n > 0 else { return }
        counter(key).increment(by: Int64(n))
    }

    /// Creates counters at 0 so they show in `/metrics` before their first event (Prometheus
    /// rates need the zero): the router's outcomes, and each sink's.
    package func declare(sinks: [String]) {
        let keys = ["saved", "published", "spooled", "dropped", "rejected"]
            + sinks.flatMap { name in ["delivered", "retries", "dead_lettered", "skipped"].map { "sink.\(name).\($0)" } }
        for key in keys { _ = counter(key) }
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

    private func counter(_ key: String) -> CoreMetrics.Counter {
        lock.lock(); defer { lock.unlock() }
        if let c = counters[key] { return c }
        let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
        let c: CoreMetrics.Counter
        if parts.count == 3 && parts[0] == "sink" {
            c = parts[2] == "retries"
                ? CoreMetrics.Counter(label: "vigil_sink_retries_total", dimensions: [("sink", parts[1])], factory: factory)
                : CoreMetrics.Counter(label: "vigil_sink_events_total", dimensions: [("sink", parts[1]), ("outcome", parts[2])],
                                      factory: factory)
        } else {
            c = CoreMetrics.Counter(label: "vigil_events_total", dimensions: [("outcome", key)], factory: factory)
        }
        counters[key] = c
        return c
    }
}
