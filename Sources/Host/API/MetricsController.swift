import Foundation
import HostMetrics
import Hummingbird
import VigilRetention
import VigilIsolation

/// `GET /metrics`: Prometheus text. Counters are kept as they happen (router and sinks); gauges
/// (camera fps and frames, queue depths) are read from the running parts at each scrape.
struct MetricsController<Context: RequestContext>: Sendable {
    let metrics: VigilMetrics
    let view: ServiceView

    @Sendable func scrape(_ request: Request, context: Context) async throws -> Response {
        for c in view.cameras {
            let dims = [("camera", c.camera.id)]
            metrics.gauge("vigil_camera_fps", dims, c.fps)
            metrics.gauge("vigil_camera_frames_processed", dims, Double(c.counters.processed))
            metrics.gauge("vigil_camera_detector_errors", dims, Double(c.counters.errors))
            for (j, (name, n)) in c.chain.stats.enumerated() {
                let d = dims + [("plugin", name)]
                Self.isolation((c.chain.links[j].detector as? any IsolationReporting)?.isolationCounters, d, metrics)
                metrics.gauge("vigil_detector_calls", d, Double(n.calls))
                metrics.gauge("vigil_detector_skipped_frames", d, Double(n.skipped))
                metrics.gauge("vigil_detector_overruns", d, Double(n.overruns))
                metrics.gauge("vigil_detector_errors", d, Double(n.errors))
            }
            if let s = c.snapshots {
                let n = s.counters
                metrics.gauge("vigil_snapshots_written", dims, Double(n.written))
                metrics.gauge("vigil_snapshots_skipped", dims, Double(n.skipped))
                metrics.gauge("vigil_snapshots_failed", dims, Double(n.failed))
                metrics.gauge("vigil_snapshot_queue_bytes", dims, Double(s.queuedBytes))
            }
        }
        if let r = view.retention?.status { Self.retention(r, into: metrics) }
        if let router = view.router { metrics.gauge("vigil_router_queue_depth", [], Double(router.queued)) }
        for s in view.sinks {
            metrics.gauge("vigil_sink_pending", [("sink", s.name)], Double(s.queue.depth))
            metrics.gauge("vigil_sink_disabled", [("sink", s.name)], s.disabled == nil ? 0 : 1)
            Self.isolation(s.isolation, [("sink", s.name)], metrics)
        }
        metrics.gauge("vigil_uptime_seconds", [], Date().timeIntervalSince(view.startedAt))
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
    }

    /// Retention's deletions and the snapshots folder's disk use.
    static func retention(_ r: RetentionStatus, into metrics: VigilMetrics) {
        metrics.gauge("vigil_retention_passes", [], Double(r.passes))
        metrics.gauge("vigil_retention_events_deleted", [], Double(r.eventsDeleted))
        metrics.gauge("vigil_retention_snapshots_deleted", [("reason", "with_event")], Double(r.snapshotsDeletedWithEvents))
        metrics.gauge("vigil_retention_snapshots_deleted", [("reason", "age")], Double(r.snapshotsDeletedByAge))
        metrics.gauge("vigil_retention_snapshots_deleted", [("reason", "cap")], Double(r.snapshotsDeletedByCap))
        metrics.gauge("vigil_retention_snapshot_bytes_deleted", [], Double(r.snapshotBytesDeleted))
        if let bytes = r.snapshotsDiskBytes { metrics.gauge("vigil_snapshots_disk_bytes", [], Double(bytes)) }
        if let files = r.snapshotsDiskFiles { metrics.gauge("vigil_snapshots_disk_files", [], Double(files)) }
        if let cap = r.snapshotsMaxBytes { metrics.gauge("vigil_snapshots_max_bytes", [], Double(cap)) }
    }
}

extension MetricsController {
    /// `vigil_plugin_restarts|crashes|hangs|skipped_frames|disabled` of a plugin instance in a worker.
    static func isolation(_ c: IsolationCounters?, _ dims: [(String, String)], _ metrics: VigilMetrics) {
        guard let c else { return }
        metrics.gauge("vigil_plugin_restarts", dims, Double(c.restarts))
        metrics.gauge("vigil_plugin_crashes", dims, Double(c.crashes))
        metrics.gauge("vigil_plugin_hangs", dims, Double(c.hangs))
        metrics.gauge("vigil_plugin_skipped_frames", dims, Double(c.skippedFrames))
        metrics.gauge("vigil_plugin_disabled", dims, c.disabled ? 1 : 0)
    }
}

/// Requires `Authorization: Bearer <API_TOKEN>` on every /api route when a token is set.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api") else { return try await next(request, context) }
        guard Self.authorized(request, token: token) else {
            let expectation = request.uri.path == "/api/events/live"
                ? "token: expected ?token=<API_TOKEN> or Authorization: Bearer <API_TOKEN>" : "Authorization: expected Bearer <API_TOKEN>"
            var response = try APIError(.unauthorized, expectation).response(from: request, context: context)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// Whether `request` carries the token: `Authorization: Bearer <token>`, or for the live feed
    /// (browsers cannot set headers on a WebSocket) `?token=<token>`. Compared in constant time.
    static func authorized(_ request: Request, token: [UInt8]) -> Bool {
        var given = request.headers[.authorization].map { Array($0.utf8) } ?? []
        if given.isEmpty, request.uri.path == "/api/events/live", let query = request.uri.queryParameters.get("token") {
            given = Array("Bearer ".utf8) + Array(query.utf8)
        }
        let expected = Array("Bearer ".utf8) + token
        // Every byte is looked at whatever the first difference.
        var diff = given.count ^ expected.count
        for i in 0..<expected.count { diff |= Int((i < given.count ? given[i] : 0) ^ expected[i]) }
        return diff == 0
    }
}
