import Foundation
import Hummingbird
import VigilConfig
import VigilIsolation
import VigilPipeline
import VigilRetention
import VigilRouter
import VigilSinks

/// What the status page and metrics read from the running service.
package struct ServiceView: Sendable {
    var cameras: [CameraLoop]
    var router: VigilRouter.Router?
    var sinks: [SinkRunner]
    var redis: RedisAddress?
    var retention: RetentionService?
    let startedAt = Date()

    package init(cameras: [CameraLoop] = [], router: VigilRouter.Router? = nil, sinks: [SinkRunner] = [],
                 redis: RedisAddress? = nil, retention: RetentionService? = nil) {
        self.cameras = cameras; self.router = router; self.sinks = sinks; self.redis = redis; self.retention = retention
    }
}

/// `GET /`: the service's status — PostgreSQL and Redis reachability (with versions, as the seed's
/// health check), uptime, cameras with their state, fps, detectors and snapshots, router and sink
/// counters, retention. 200 when PostgreSQL and Redis answer, 503 otherwise (for load balancers),
/// with the same body. No thread is started per request: PostgreSQL is asked through the API's
/// pool, Redis through `RedisHealth`'s one thread.
struct StatusController<Context: RequestContext>: Sendable {
    let repository: EventRepository
    let view: ServiceView
    let version: String
    let redisHealth: RedisHealth

    init(repository: EventRepository, view: ServiceView, version: String) {
        self.repository = repository; self.view = view; self.version = version
        redisHealth = RedisHealth(address: view.redis)
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> EditedResponse<StatusReport> {
        async let pg = postgres()
        async let redis = redisHealth.check()
        let (pgResult, redisResult) = await (pg, redis)
        let ok = pgResult.version != nil && (view.redis == nil || redisResult.version != nil)
        let report = StatusReport(
            version: version, status: ok ? "ok" : "degraded",
            uptimeSeconds: (Date().timeIntervalSince(view.startedAt) * 10).rounded() / 10,
            postgres: .init(reachable: pgResult.version != nil, version: pgResult.version, error: pgResult.error,
                            versionKey: "server_version"),
            redis: .init(reachable: redisResult.version != nil, version: redisResult.version, error: redisResult.error,
                         versionKey: "redis_version"),
            cameras: view.cameras.map(StatusReport.Camera.init),
            router: StatusReport.routerCounters(view.router),
            sinks: view.sinks.map { StatusReport.Sink(name: $0.name, pending: $0.queue.depth, disabled: $0.disabled != nil,
                                                  isolation: StatusReport.Isolation($0.isolation)) },
            retention: view.retention?.status)
        return EditedResponse(status: ok ? .ok : .serviceUnavailable, response: report)
    }

    private func postgres() async -> RedisHealth.Outcome {
        do {
            let v = try await repository.withConnection { db in try db.query("SHOW server_version", [])[0, 0] ?? "" }
            return .init(version: v, error: nil)
        } catch { return .init(version: nil, error: "\(error)") }
    }
}
