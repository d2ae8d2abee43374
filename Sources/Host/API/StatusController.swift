import Foundation
import Hummingbird
import VigilConfig
import VigilIsolation
import VigilPipeline
import VigilRedisClient
import VigilRetention
import VigilRouter
import VigilSinks

/// What the status page and metrics read from the running service.
package struct ServiceView: Sendable {
    var cameras: [CameraLoop]
    var router: VigilRouter.Router?
    var sinks: [SinkRunner]
    /// The host's Redis client; `/` reports its health check.
    var redis: RedisClient?
    var retention: RetentionService?
    let startedAt = Date()

    package init(cameras: [CameraLoop] = [], router: VigilRouter.Router? = nil, sinks: [SinkRunner] = [],
                 redis: RedisClient? = nil, retention: RetentionService? = nil) {
        self.cameras = cameras; self.router = router; self.sinks = sinks; self.redis = redis; self.retention = retention
    }
}

/// `GET /`: the service's status — PostgreSQL and Redis reachability (with versions, as the seed's
/// health check; Redis's is the client library's `healthCheck()`, through its pool: no thread or
/// connection per request), uptime, cameras with their state, fps, detectors and snapshots, router
/// and sink counters, retention. 200 when PostgreSQL and Redis answer, 503 otherwise (for load
/// balancers), with the same body.
struct StatusController<Context: RequestContext>: Sendable {
    let repository: EventRepository
    let view: ServiceView
    let version: String

    @Sendable func status(_ request: Request, context: Context) async throws -> EditedResponse<StatusReport> {
        async let pg = postgres()
        async let redis = view.redis?.healthCheck()
        let (pgResult, health) = await (pg, redis)
        let redisResult = health ?? RedisHealth(status: "unhealthy", connected: false, error: "Redis is not configured")
        let ok = pgResult.version != nil && (view.redis == nil || redisResult.isHealthy)
        let report = StatusReport(
            version: version, status: ok ? "ok" : "degraded",
            uptimeSeconds: (Date().timeIntervalSince(view.startedAt) * 10).rounded() / 10,
            postgres: .init(reachable: pgResult.version != nil, version: pgResult.version, error: pgResult.error),
            redis: .init(redisResult),
            cameras: view.cameras.map(StatusReport.Camera.init),
            router: StatusReport.routerCounters(view.router),
            sinks: view.sinks.map { StatusReport.Sink(name: $0.name, pending: $0.queue.depth, disabled: $0.disabled != nil,
                                                  isolation: StatusReport.Isolation($0.isolation)) },
            retention: view.retention?.status)
        return EditedResponse(status: ok ? .ok : .serviceUnavailable, response: report)
    }

    private func postgres() async -> (version: String?, error: String?) {
        do {
            let v = try await repository.withConnection { db in try db.query("SHOW server_version", [])[0, 0] ?? "" }
            return (v, nil)
        } catch { return (nil, "\(error)") }
    }
}
