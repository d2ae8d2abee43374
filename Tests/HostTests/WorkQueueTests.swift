import Foundation
import PluginAPI
@testable import VigilPipeline
import VigilPostgres
import VigilRedis
import XCTest

/// `redis-queue://` camera sources with real vigil processes, PostgreSQL and Redis: three hosts
/// share one list of 3,000 jobs, one is SIGKILLed mid-way, and every job's event is saved exactly
/// once; bad jobs go to `<list>:failed` with their reason.
class WorkQueueTestCase: XCTestCase {
    struct Host {
        let id: String
        let child: ChildProcess
    }

    /// A 64×48 PNG every job points at.
    static let image: String = {
        let path = "\(TestSupport.tempDir("queue-image"))/frame.png"
        let pixels = (0..<(64 * 48 * 3)).map { UInt8($0 % 251) }
        try! VisionImage.writePNG(Image(copying: pixels, width: 64, height: 48, format: .bgr8), to: path)
        return path
    }()

    func startHost(_ id: String, queue: String, camera: String, dir: String, environment extra: [String: String] = [:]) throws -> Host {
        let services = try TestSupport.services()
        let config = """
            {"cameras": [{"id": "\(camera)", "source": "redis-queue://\(queue)", "detectors": ["probe"]}],
             "detectors": [{"name": "probe", "library": "\(DetectorChainTests.probeDir)/libProbe.so", "config": {"motion_only": false}}]}
            """
        let path = TestSupport.write(config, to: "plugins-\(id).json", in: dir)
        let env = ["DATABASE_URL": services.database, "REDIS_URL": services.redis, "API_PORT": "0",
                   "SNAPSHOTS_DIR": "\(dir)/snapshots", "SPOOL_DIR": "\(dir)/spool-\(id)", "STATE_DIR": "\(dir)/state-\(id)",
                   "REDIS_CHANNEL_NAME": "queue-test-\(queue)", "VIGIL_HOST_ID": id, "WORK_QUEUE_LEASE_SECONDS": "2"]
            .merging(extra) { _, new in new }
        let child = try ChildProcess(TestSupport.vigil, ["run", "--config", path], environment: env, directory: dir)
        let end = Date().addingTimeInterval(30)
        while Date() < end, child.isRunning, !child.stderr.contains("Work queues started") { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(child.stderr.contains("Work queues started"), "host \(id) did not start: \(child.stderr)")
        return Host(id: id, child: child)
    }

    func redis() throws -> RedisConnection {
        let url = try XCTUnwrap(URLComponents(string: try TestSupport.services().redis))
        return try RedisConnection(host: url.host!, port: url.port!)
    }

    func counts(_ camera: String) throws -> (events: Int, distinct: Int) {
        let db = try PostgresConnection(try TestSupport.services().database)
        let r = try db.query("SELECT count(*), count(DISTINCT timestamp) FROM events WHERE camera_id = $1", [camera])
        return (Int(r[0, 0]!)!, Int(r[0, 1]!)!)
    }

    func job(_ camera: String, _ i: Int, image: String = WorkQueueTestCase.image) -> String {
        "{\"camera_id\": \"\(camera)\", \"image_path\": \"\(image)\", \"timestamp\": \(1_728_649_696 + Double(i) / 1000)}"
    }

}

/// See the file's comment; recovery after a restart and a PostgreSQL outage: `WorkQueueRecoveryTests`.
final class WorkQueueTests: WorkQueueTestCase {
    func testThreeHostsOneKilledEveryJobSavedExactlyOnce() throws {
        let tag = UUID().uuidString.prefix(6)
        let queue = "jobs-\(tag)", camera = "queue-cam-\(tag)", dir = TestSupport.tempDir("queue")
        let hosts = try ["host-a", "host-b", "host-c"].map { try startHost("\($0)-\(tag)", queue: queue, camera: camera, dir: dir) }
        defer { hosts.forEach { $0.child.signal(SIGKILL); $0.child.wait() } }
        let redis = try redis()
        let total = 3000
        for start in stride(from: 0, to: total, by: 500) {
            _ = try redis.command(["RPUSH", queue] + (start..<start + 500).map { job(camera, $0) })
        }
        // Kill host-a mid-way, while it holds jobs it has taken.
        let victim = hosts[0]
        try RouterFixture.wait("host-a busy mid-way", timeout: 60) {
            try counts(camera).events >= 600
                && (try redis.command(["LLEN", "\(queue):processing:\(victim.id)"])) != .integer(0)
        }
        victim.child.signal(SIGKILL)
        XCTAssertEqual(victim.child.wait(), 128 + SIGKILL)
        let killedAt = try counts(camera).events
        XCTAssertLessThan(killedAt, total, "killed mid-way")

        try RouterFixture.wait("every job done", timeout: 120) {
            try redis.command(["LLEN", queue]) == .integer(0) && counts(camera).events >= total
                && hosts.allSatisfy { (try? redis.command(["LLEN", "\(queue):processing:\($0.id)"])) == .integer(0) }
        }
        Thread.sleep(forTimeInterval: 0.5)
        for host in hosts.dropFirst() {
            host.child.signal(SIGTERM)
            XCTAssertEqual(host.child.wait(), 0, host.child.stderr)
        }
        let (events, distinct) = try counts(camera)
        XCTAssertEqual(events, total, "one event per job, none saved twice")
        XCTAssertEqual(distinct, total, "every job's event is there")
        let db = try PostgresConnection(try TestSupport.services().database)
        XCTAssertEqual(try db.query("SELECT count(*) FROM vigil_queue_jobs WHERE queue = $1", [queue])[0, 0], String(total))
        XCTAssertEqual(try redis.command(["LLEN", "\(queue):failed"]), .integer(0))
        let reaped = hosts.dropFirst().contains { $0.child.stderr.contains("its jobs are back in the queue") && $0.child.stderr.contains(victim.id) }
        XCTAssertTrue(reaped, "a surviving host requeued the dead host's jobs")
        let duplicates = hosts.dropFirst().map { $0.child.stderr.components(separatedBy: "already saved; acknowledged").count - 1 }.reduce(0, +)
        print("work-queue: killed_at_events=\(killedAt) requeued_jobs_already_saved=\(duplicates)")
    }

    func testBadJobsAreSetAsideWithTheirReason() throws {
        let tag = UUID().uuidString.prefix(6)
        let queue = "bad-\(tag)", camera = "bad-cam-\(tag)", dir = TestSupport.tempDir("queue-bad")
        let host = try startHost("solo-\(tag)", queue: queue, camera: camera, dir: dir)
        defer { host.child.signal(SIGKILL); host.child.wait() }
        let redis = try redis()
        _ = try redis.command(["RPUSH", queue, "not json", job("other-camera", 1), job(camera, 2, image: "/nonexistent.png"),
                               "{\"camera_id\": \"\(camera)\"}", job(camera, 3)])
        try RouterFixture.wait("4 set aside, 1 saved") {
            try redis.command(["LLEN", "\(queue):failed"]) == .integer(4) && counts(camera).events == 1
        }
        guard case .array(let entries) = try redis.command(["LRANGE", "\(queue):failed", "0", "-1"]) else { return XCTFail() }
        let reasons = try entries.map { try JSONValue(parsing: $0.text!)["reason"]?.stringValue ?? "" }
        XCTAssertEqual(reasons[0], "bad job: not a JSON object")
        XCTAssertEqual(reasons[1], "no camera \"other-camera\" takes jobs from redis-queue://\(queue)")
        XCTAssertTrue(reasons[2].hasPrefix("image: /nonexistent.png"), reasons[2])
        XCTAssertEqual(reasons[3], "bad job: image_path: expected a non-empty string")
        XCTAssertEqual(try JSONValue(parsing: entries[0].text!)["job"]?.stringValue, "not json")
        host.child.signal(SIGTERM)
        XCTAssertEqual(host.child.wait(), 0, host.child.stderr)
        XCTAssertEqual(try redis.command(["LLEN", "\(queue):processing:\(host.id)"]), .integer(0))
        XCTAssertEqual(try redis.command(["SISMEMBER", "\(queue):hosts", host.id]), .integer(0), "gave up its lease")
    }
}
