import Foundation
import Hummingbird
import VigilIsolation
import VigilPipeline
import VigilRedisClient
import VigilRetention
import VigilRouter
import VigilSinks

/// `GET /`'s body: the service, its dependencies and every running part, as Codable values.
struct StatusReport: ResponseEncodable, Sendable {
    /// PostgreSQL's reachability and `server_version` (the name the seed used).
    struct Postgres: Encodable, Sendable {
        let reachable: Bool
        let version: String?
        let error: String?
        enum CodingKeys: String, CodingKey { case reachable, version = "server_version", error }
    }

    /// Redis: the client library's health check (`status`, `connected`, `redis_version`, `error`)
    /// and `reachable`, as before it.
    struct Redis: Encodable, Sendable {
        let health: RedisHealth
        init(_ health: RedisHealth) { self.health = health }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(health.connected, forKey: AnyKey("reachable"))
            try c.encode(health.status, forKey: AnyKey("status"))
            try c.encode(health.connected, forKey: AnyKey("connected"))
            try c.encode(health.redisVersion, forKey: AnyKey("redis_version"))
            try c.encode(health.error, forKey: AnyKey("error"))
        }
    }

    struct Detector: Encodable, Sendable {
        let name: String
        let calls, skippedFrames, overruns, errors: Int
        /// Only for an instance running in a worker process.
        let isolation: Isolation?
        enum CodingKeys: String, CodingKey { case name, calls, skippedFrames = "skipped_frames", overruns, errors, isolation }
    }

    /// A plugin instance in a worker process (`"isolation": "process"`): its worker and what befell it.
    struct Isolation: Encodable, Sendable {
        let mode = "process"
        let pid: Int32?
        let restarts, crashes, hangs, skippedFrames: Int
        let disabled: Bool
        enum CodingKeys: String, CodingKey { case mode, pid, restarts, crashes, hangs, skippedFrames = "skipped_frames", disabled }

        init?(_ c: IsolationCounters?) {
            guard let c else { return nil }
            pid = c.pid; restarts = c.restarts; crashes = c.crashes; hangs = c.hangs
            skippedFrames = c.skippedFrames; disabled = c.disabled
        }
    }

    struct Snapshots: Encodable, Sendable {
        let written, skipped, failed, queuedBytes: Int
        enum CodingKeys: String, CodingKey { case written, skipped, failed, queuedBytes = "queued_bytes" }
    }

    struct Camera: Encodable, Sendable {
        let id: String
        let state: String
        let fps: Double
        let framesRead, framesProcessed, detectorErrors: Int
        let detectors: [Detector]
        let snapshots: Snapshots?
        enum CodingKeys: String, CodingKey {
            case id, state, fps, framesRead = "frames_read", framesProcessed = "frames_processed",
                 detectorErrors = "detector_errors", detectors, snapshots
        }

        init(_ loop: CameraLoop) {
            let n = loop.counters
            id = loop.camera.id; state = loop.state.rawValue; fps = (loop.fps * 100).rounded() / 100
            framesRead = n.read; framesProcessed = n.processed; detectorErrors = n.errors
            detectors = zip(loop.chain.stats, loop.chain.links).map { stat, link in
                Detector(name: stat.name, calls: stat.counters.calls, skippedFrames: stat.counters.skipped,
                         overruns: stat.counters.overruns, errors: stat.counters.errors,
                         isolation: Isolation((link.detector as? any IsolationReporting)?.isolationCounters))
            }
            snapshots = loop.snapshots.map {
                let s = $0.counters
                return Snapshots(written: s.written, skipped: s.skipped, failed: s.failed, queuedBytes: $0.queuedBytes)
            }
        }
    }

    struct Sink: Encodable, Sendable {
        let name: String
        let pending: Int
        let disabled: Bool
        /// Only for a sink running in a worker process.
        let isolation: Isolation?
    }

    let service = "vigil"
    let version: String
    let status: String
    let uptimeSeconds: Double
    let postgres: Postgres
    let redis: Redis
    let cameras: [Camera]
    /// The router's counters (empty when there is no router).
    let router: [String: Int]
    let sinks: [Sink]
    let retention: RetentionStatus?

    enum CodingKeys: String, CodingKey {
        case service, version, status, uptimeSeconds = "uptime_seconds", postgres, redis, cameras, router, sinks, retention
    }

    /// The router's counters, by the names the status page has always used.
    static func routerCounters(_ router: VigilRouter.Router?) -> [String: Int] {
        guard let router else { return [:] }
        let s = router.stats
        return ["saved": s[.saved], "published": s[.published], "spooled": s[.spooled], "dropped": s[.dropped],
                "rejected": s[.rejected], "lost": s[.lost], "queued": router.queued]
    }
}

/// A coding key made from any string.
struct AnyKey: CodingKey {
    let stringValue: String
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
