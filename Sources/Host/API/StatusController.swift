import Foundation
import Hummingbird
import VigilConfig
import VigilPipeline
import VigilRedis
import VigilRouter
import VigilSinks

/// What the status page and metrics read from the running service.
package struct ServiceView: Sendable {
    var cameras: [CameraLoop]
    var router: VigilRouter.Router?
    var sinks: [SinkRunner]
    var redis: RedisAddress?
    let startedAt = Date()

    package init(cameras: [CameraLoop] = [], router: VigilRouter.Router? = nil, sinks: [SinkRunner] = [],
                 redis: RedisAddress? = nil) {
        self.cameras = cameras; self.router = router; self.sinks = sinks; self.redis = redis
    }
}

/// `GET /`: the service's status — PostgreSQL and Redis reachability (with versions, as the seed's
/// health check), uptime, cameras with their state and fps, router and sink counters. 200 when
/// PostgreSQL and Redis answer, 503 otherwise (for load balancers), with the same body.
struct StatusController<Context: RequestContext>: Sendable {
    let repository: EventRepository
    let view: ServiceView
    let version: String

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        async let pg = postgres()
        async let redis = Self.redis(view.redis)
        let (pgResult, redisResult) = await (pg, redis)
        var out: [UInt8] = []
        func str(_ s: String?) { if let s { EventJSON.writeString(s, &out) } else { out.append(contentsOf: "null".utf8) } }
        let ok = pgResult.version != nil && (view.redis == nil || redisResult.version != nil)
        out.append(contentsOf: "{\"service\": \"vigil\", \"version\": ".utf8); str(version)
        out.append(contentsOf: ", \"status\": \"\(ok ? "ok" : "degraded")\"".utf8)
        out.append(contentsOf: String(format: ", \"uptime_seconds\": %.1f", Date().timeIntervalSince(view.startedAt)).utf8)
        out.append(contentsOf: ", \"postgres\": {\"reachable\": \(pgResult.version != nil), \"server_version\": ".utf8); str(pgResult.version)
        out.append(contentsOf: ", \"error\": ".utf8); str(pgResult.error)
        out.append(contentsOf: "}, \"redis\": {\"reachable\": \(redisResult.version != nil), \"redis_version\": ".utf8); str(redisResult.version)
        out.append(contentsOf: ", \"error\": ".utf8); str(redisResult.error)
        out.append(contentsOf: "}, \"cameras\": [".utf8)
        for (i, c) in view.cameras.enumerated() {
            if i > 0 { out.append(contentsOf: ", ".utf8) }
            let n = c.counters
            out.append(contentsOf: "{\"id\": ".utf8); str(c.camera.id)
            out.append(contentsOf: ", \"state\": \"\(c.state.rawValue)\"".utf8)
            out.append(contentsOf: String(format: ", \"fps\": %.2f", c.fps).utf8)
            out.append(contentsOf: ", \"frames_read\": \(n.read), \"frames_processed\": \(n.processed), \"detector_errors\": \(n.errors)".utf8)
            out.append(contentsOf: ", \"detectors\": [".utf8)
            for (j, (name, d)) in c.chain.stats.enumerated() {
                if j > 0 { out.append(contentsOf: ", ".utf8) }
                out.append(contentsOf: "{\"name\": ".utf8); str(name)
                out.append(contentsOf: ", \"calls\": \(d.calls), \"skipped_frames\": \(d.skipped), \"overruns\": \(d.overruns), \"errors\": \(d.errors)}".utf8)
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(contentsOf: "], \"router\": {".utf8)
        if let router = view.router {
            let s = router.stats
            out.append(contentsOf: ("\"saved\": \(s["saved"]), \"published\": \(s["published"]), \"spooled\": \(s["spooled"]), "
                + "\"dropped\": \(s["dropped"]), \"rejected\": \(s["rejected"]), \"queued\": \(router.queued)").utf8)
        }
        out.append(contentsOf: "}, \"sinks\": [".utf8)
        for (i, sink) in view.sinks.enumerated() {
            if i > 0 { out.append(contentsOf: ", ".utf8) }
            out.append(contentsOf: "{\"name\": ".utf8); str(sink.name)
            out.append(contentsOf: ", \"pending\": \(sink.queue.depth), \"disabled\": \(sink.disabled != nil)}".utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return .json(out, status: ok ? .ok : .serviceUnavailable)
    }

    private func postgres() async -> (version: String?, error: String?) {
        do {
            let v = try await repository.withConnection { db in try db.query("SHOW server_version", [])[0, 0] ?? "" }
            return (v, nil)
        } catch { return (nil, "\(error)") }
    }

    /// Connects afresh (1 s timeout) and reads `redis_version` from INFO, on a thread of its own.
    static func redis(_ address: RedisAddress?) async -> (version: String?, error: String?) {
        guard let address else { return (nil, "Redis is not configured") }
        return await Blocking.run {
            do {
                let conn = try RedisConnection(host: address.host, port: address.port, database: address.database,
                                               password: address.password, timeoutSeconds: 1)
                guard case .string(let info) = try conn.command(["INFO", "server"]),
                      let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("redis_version:") }) else {
                    return (nil, "INFO server has no redis_version")
                }
                return (String(line.dropFirst("redis_version:".count)), nil)
            } catch { return (nil, "\(error)") }
        }
    }
}

/// Runs blocking work (C calls) on a thread of its own, not on the cooperative pool.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            Thread { c.resume(returning: body()) }.start()
        }
    }
}
