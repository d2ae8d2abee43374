import Foundation
import VigilPostgres
import VigilRedis
import XCTest

/// Work-queue recovery as an operator meets it, with real vigil processes, PostgreSQL and Redis:
/// a host killed and restarted under the same `VIGIL_HOST_ID` takes back the jobs it had taken;
/// PostgreSQL stopped while jobs arrive sends them back to the queue, and they are saved once it
/// is back.
final class WorkQueueRecoveryTests: WorkQueueTestCase {
    /// Jobs in the queue and in `host`'s processing list.
    func held(_ queue: String, host: String, _ redis: RedisConnection) throws -> Int {
        guard case .integer(let waiting) = try redis.command(["LLEN", queue]),
              case .integer(let taken) = try redis.command(["LLEN", "\(queue):processing:\(host)"]) else { return -1 }
        return waiting + taken
    }

    func testARestartUnderTheSameHostIDTakesBackTheJobsItHadTaken() throws {
        let tag = UUID().uuidString.prefix(6)
        let queue = "restart-\(tag)", camera = "restart-cam-\(tag)", dir = TestSupport.tempDir("queue-restart")
        let id = "fixed-\(tag)"
        // A long lease: no other host could reap these jobs; only the restarted host can take them back.
        let env = ["WORK_QUEUE_LEASE_SECONDS": "600"]
        let first = try startHost(id, queue: queue, camera: camera, dir: dir, environment: env)
        let redis = try redis()
        let total = 1500
        for start in stride(from: 0, to: total, by: 500) {
            _ = try redis.command(["RPUSH", queue] + (start..<start + 500).map { job(camera, $0) })
        }
        try RouterFixture.wait("busy mid-way, holding jobs", timeout: 60) {
            try counts(camera).events >= 200 && (try redis.command(["LLEN", "\(queue):processing:\(id)"])) != .integer(0)
        }
        first.child.signal(SIGKILL)
        XCTAssertEqual(first.child.wait(), 128 + SIGKILL)
        guard case .integer(let left) = try redis.command(["LLEN", "\(queue):processing:\(id)"]) else { return XCTFail() }
        XCTAssertGreaterThan(left, 0, "the killed run left taken jobs in its processing list")

        let second = try startHost(id, queue: queue, camera: camera, dir: dir, environment: env)
        defer { second.child.signal(SIGKILL); second.child.wait() }
        try RouterFixture.wait("every job done", timeout: 120) {
            try held(queue, host: id, redis) == 0 && counts(camera).events >= total
        }
        second.child.signal(SIGTERM)
        XCTAssertEqual(second.child.wait(), 0, second.child.stderr)
        XCTAssertTrue(second.child.stderr.contains("left unfinished are back in the queue"), second.child.stderr)
        let (events, distinct) = try counts(camera)
        XCTAssertEqual(events, total, "one event per job, none saved twice")
        XCTAssertEqual(distinct, total, "every job's event is there")
        print("work-queue restart: jobs_left_in_processing=\(left)")
    }

    func testPostgreSQLDownSendsJobsBackAndTheyAreSavedWhenItReturns() throws {
        let tag = UUID().uuidString.prefix(6)
        let queue = "pgdown-\(tag)", camera = "pgdown-cam-\(tag)", dir = TestSupport.tempDir("queue-pgdown")
        let host = try startHost("pg-\(tag)", queue: queue, camera: camera, dir: dir)
        defer { host.child.signal(SIGKILL); host.child.wait() }
        let redis = try redis()
        try Faults.services("stop-pg")
        defer { try? Faults.services("start-pg", check: false) }
        let total = 20
        _ = try redis.command(["RPUSH", queue] + (0..<total).map { job(camera, $0) })
        try RouterFixture.wait("a job turned away and put back", timeout: 60) {
            host.child.stderr.contains("Work-queue job not saved; back in the queue")
        }
        // While PostgreSQL is down, every job stays in Redis (waiting, or taken and about to go back).
        for _ in 0..<10 {
            XCTAssertEqual(try held(queue, host: host.id, redis), total, "no job dropped while PostgreSQL is down")
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertTrue(host.child.isRunning, "vigil keeps running while PostgreSQL is down")
        try Faults.services("start-pg")
        try RouterFixture.wait("every job saved after PostgreSQL returned", timeout: 90) {
            try held(queue, host: host.id, redis) == 0 && counts(camera).events >= total
        }
        let (events, distinct) = try counts(camera)
        XCTAssertEqual(events, total)
        XCTAssertEqual(distinct, total)
        XCTAssertEqual(try redis.command(["LLEN", "\(queue):failed"]), .integer(0), "nothing set aside for an outage")
        host.child.signal(SIGTERM)
        XCTAssertEqual(host.child.wait(), 0, host.child.stderr)
    }
}
