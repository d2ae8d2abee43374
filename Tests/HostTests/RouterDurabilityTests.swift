import PluginAPI
import VigilRedis
import XCTest

/// Nothing lost: Redis killed, PostgreSQL stopped, vigil killed -9 — with real servers.
final class RouterDurabilityTests: XCTestCase {
    func services(_ action: String) throws {
        let dir = try XCTUnwrap(ProcessInfo.processInfo.environment["VIGIL_SERVICES_DIR"],
                                "run the tests with scripts/test.sh (VIGIL_SERVICES_DIR)")
        let r = try TestSupport.run("/bin/bash", ["\(TestSupport.root)/scripts/services.sh", action, dir])
        XCTAssertEqual(r.status, 0, "services.sh \(action): \(r.stderr)")
    }

    func testRedisKilledMidStreamEverythingSavedAndPublishedInOrder() throws {
        let stream = "durable-\(UUID().uuidString.prefix(6))"
        let f = try RouterFixture(stream: stream)
        let prefix = "rk-\(UUID().uuidString.prefix(6))"
        let before = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        f.router.start()
        for i in 0..<300 { f.router.submit(f.event(prefix, i)) }
        RouterFixture.wait("first 300 published") { before.payloads().count == 300 }
        before.stop()

        try services("stop-redis")
        for i in 300..<800 { f.router.submit(f.event(prefix, i)) }
        try RouterFixture.wait("800 saved while Redis is down") { try f.rows(cameraPrefix: prefix).count == 800 }
        try services("start-redis")
        let restarted = Date()
        let after = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        defer { after.stop() }
        // Events saved during the outage come back (caught up from PostgreSQL) on the stream, in order.
        RouterFixture.wait("catch-up of the outage", timeout: 10) {
            (try? RedisConnection(host: f.redis.host, port: f.redis.port).command(["XLEN", stream])) == .integer(500)
        }
        let resumedAfter = Date().timeIntervalSince(restarted)
        XCTAssertLessThan(resumedAfter, 2.0, "publishing must resume within a second of Redis returning (+ test overhead)")
        for i in 800..<900 { f.router.submit(f.event(prefix, i)) }
        RouterFixture.wait("new events after restart") { after.payloads().count >= 100 }
        f.router.shutdown()

        let redis = try RedisConnection(host: f.redis.host, port: f.redis.port)
        guard case .array(let entries) = try redis.command(["XRANGE", stream, "-", "+"]) else { return XCTFail("no stream") }
        let frames = try entries.map { entry -> Int in
            guard case .array(let parts) = entry, case .array(let fields) = parts[1], let json = fields[1].text else { return -1 }
            return try JSONValue(parsing: json)["frame_number"]!.intValue!
        }
        XCTAssertEqual(frames, Array(300..<900), "outage events then new events, each once, in order")
        XCTAssertEqual(try f.rows(cameraPrefix: prefix).map(\.frame), Array(0..<900))
        print("redis-outage: resumed_after_s=\(String(format: "%.3f", resumedAfter))")
    }

    func testPostgresStoppedEventsSpoolThenSaveInOrder() throws {
        let f = try RouterFixture()
        let prefix = "pg-\(UUID().uuidString.prefix(6))"
        f.router.start()
        for i in 0..<100 { f.router.submit(f.event(prefix, i)) }
        try RouterFixture.wait("first 100 saved") { try f.rows(cameraPrefix: prefix).count == 100 }
        try services("stop-pg")
        let start = Date()
        for i in 100..<2100 { f.router.submit(f.event(prefix, i)) }
        let submitSeconds = Date().timeIntervalSince(start)
        XCTAssertLessThan(submitSeconds, 1.0, "detectors must not be blocked while PostgreSQL is down")
        RouterFixture.wait("events spooled") { f.router.stats["spooled"] == 2000 }
        let spoolFiles = try FileManager.default.contentsOfDirectory(atPath: f.spool)
        XCTAssertEqual(spoolFiles.count, 1, "one spool file: \(spoolFiles)")
        try services("start-pg")
        RouterFixture.wait("spool replayed", timeout: 30) { (try? f.rows(cameraPrefix: prefix).count) == 2100 }
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: prefix).map(\.frame), Array(0..<2100))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: f.spool), [], "spool deleted after replay")
    }

    func testKill9WhilePostgresIsDownLosesNothing() throws {
        let services = try TestSupport.services()
        let spool = TestSupport.tempDir("spool-kill9")
        let prefix = "k9-\(UUID().uuidString.prefix(6))-"
        try self.services("stop-pg")
        let bench = try ChildProcess(TestSupport.vigil, ["bench", "router", "--events", "3000", "--spool", spool,
                                                        "--camera-prefix", prefix, "--timeout", "60"],
                                     environment: ["DATABASE_URL": services.database])
        RouterFixture.wait("3000 events spooled by the producer") {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
            let lines = files.map { (try? String(contentsOfFile: "\(spool)/\($0)", encoding: .utf8))?.filter { $0 == "\n" }.count ?? 0 }
            return lines.reduce(0, +) == 3000
        }
        bench.signal(SIGKILL)
        XCTAssertEqual(bench.wait(), 128 + SIGKILL)
        try self.services("start-pg")

        // Restart: vigil with no cameras replays the spool at start and exits.
        let dir = TestSupport.tempDir()
        let config = TestSupport.write(#"{"cameras": []}"#, to: "plugins.json", in: dir)
        let run = try TestSupport.run(TestSupport.vigil, ["run", "--config", config, "--exit-when-done"],
                                      environment: ["SPOOL_DIR": spool, "DATABASE_URL": services.database, "REDIS_URL": services.redis, "API_PORT": "0"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let f = try RouterFixture()
        let rows = try f.rows(cameraPrefix: prefix)
        XCTAssertEqual(rows.count, 3000, "every spooled event saved exactly once")
        XCTAssertEqual(rows.filter { $0.camera == "\(prefix)0" }.map(\.frame), Array(stride(from: 0, to: 3000, by: 4)))
    }
}
