import Foundation
import HostMetrics
import Hummingbird

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
            for (name, n) in c.chain.stats {
                let d = dims + [("plugin", name)]
                metrics.gauge("vigil_detector_calls", d, Double(n.calls))
                metrics.gauge("vigil_detector_skipped_frames", d, Double(n.skipped))
                metrics.gauge("vigil_detector_overruns", d, Double(n.overruns))
                metrics.gauge("vigil_detector_errors", d, Double(n.errors))
            }
        }
        if let router = view.router { metrics.gauge("vigil_router_queue_depth", [], Double(router.queued)) }
        for s in view.sinks {
            metrics.gauge("vigil_sink_pending", [("sink", s.name)], Double(s.queue.depth))
            metrics.gauge("vigil_sink_disabled", [("sink", s.name)], s.disabled == nil ? 0 : 1)
        }
        metrics.gauge("vigil_uptime_seconds", [], Date().timeIntervalSince(view.startedAt))
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
    }
}

/// Requires `Authorization: Bearer <API_TOKEN>` on every /api route when a token is set.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api") else { return try await next(request, context) }
        let given = request.headers[.authorization].map { Array($0.utf8) } ?? []
        let expected = Array("Bearer ".utf8) + token
        // Compare in constant time: every byte is looked at whatever the first difference.
        var diff = given.count ^ expected.count
        for i in 0..<expected.count { diff |= Int((i < given.count ? given[i] : 0) ^ expected[i]) }
        guard diff == 0 else {
            var response = try APIError(.unauthorized, "Authorization: expected Bearer <API_TOKEN>").response(from: request, context: context)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }
}
