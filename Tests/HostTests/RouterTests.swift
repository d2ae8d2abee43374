import PluginAPI
import VigilRedis
@testable import VigilRouter
import XCTest

/// The router against real PostgreSQL and Redis: exact JSON, order, channels.
final class RouterTests: XCTestCase {
    func testPublishedJSONIsTheSeedsReadByRedisPyAndRedisCLI() throws {
        let f = try RouterFixture()
        let services = try TestSupport.services()
        let python = try SubscriberProcess(python: services.redis, channel: f.channel, count: 3)
        let cli = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        defer { python.stop(); cli.stop() }
        f.router.start()
        let camera = "json-\(UUID().uuidString.prefix(6))"
        let data: JSONValue = ["anpr_result": ["license_plate": "AB123CD", "confidence": 0.91, "region": "eu"],
                               "note": "café \"quoted\" \\ line\nbreak", "list": [1, 2.5, true, nil]]
        XCTAssertTrue(f.router.submit(f.event(camera, 10)))
        XCTAssertTrue(f.router.submit(f.event(camera, 11, type: "anpr", data: data)))
        XCTAssertTrue(f.router.submit(f.event(camera, 12, type: "tracking")))
        RouterFixture.wait("3 payloads in both subscribers") { python.payloads().count == 3 && cli.payloads().count == 3 }
        f.router.shutdown()
        guard python.payloads().count == 3 else { return XCTFail("redis-py got \(python.payloads().count) payloads") }

        XCTAssertEqual(python.payloads(), cli.payloads(), "redis-py and redis-cli must read the same bytes")
        XCTAssertFalse(python.lines().contains { $0.hasPrefix("MISMATCH") }, "payload differs from the seed's json.dumps:\n\(python.lines())")
        let db = try f.db()
        for (i, payload) in python.payloads().enumerated() {
            let json = try JSONValue(parsing: payload)
            XCTAssertEqual(json.objectValue?.map(\.key),
                           ["id", "event_type", "camera_id", "timestamp", "frame_number", "snapshot_path", "event_data", "created_at"])
            let id = try XCTUnwrap(json["id"]?.intValue)
            let row = try db.query("""
                SELECT event_type, camera_id, frame_number, snapshot_path, event_data::text,
                       to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US'), to_char(timestamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                FROM events WHERE id = $1
                """, [String(id)])
            XCTAssertEqual(row.count, 1)
            XCTAssertEqual(json["event_type"]?.stringValue, row[0, 0])
            XCTAssertEqual(json["camera_id"]?.stringValue, camera)
            XCTAssertEqual(json["frame_number"]?.intValue, 10 + i)
            XCTAssertEqual(json["snapshot_path"]?.stringValue, row[0, 3])
            XCTAssertEqual(json["event_data"], try JSONValue(parsing: row[0, 4]!))
            XCTAssertEqual(json["created_at"]?.stringValue, row[0, 5])
            XCTAssertEqual(json["timestamp"]?.stringValue, row[0, 6])
            XCTAssertNotNil(json["timestamp"]?.stringValue?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression))
            XCTAssertNotNil(json["created_at"]?.stringValue?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"#, options: .regularExpression))
        }
        XCTAssertEqual(try JSONValue(parsing: python.payloads()[1])["event_data"], data)
        XCTAssertEqual(try JSONValue(parsing: python.payloads()[0])["timestamp"]?.stringValue, "2024-10-11T12:28:16.799Z")
    }

    func testEachCameraIsPublishedInTheOrderItWasSaved() throws {
        let f = try RouterFixture()
        let services = try TestSupport.services()
        let perCamera = 2000, cameras = 4
        let sub = try SubscriberProcess(python: services.redis, channel: f.channel, count: perCamera * cameras)
        defer { sub.stop() }
        f.router.start()
        let prefix = "order-\(UUID().uuidString.prefix(6))-"
        DispatchQueue.concurrentPerform(iterations: cameras) { c in
            for i in 0..<perCamera { f.router.submit(f.event("\(prefix)\(c)", i)) }
        }
        RouterFixture.wait("all payloads", timeout: 60) { sub.payloads().count == perCamera * cameras }
        f.router.shutdown()

        var lastFrame: [String: Int] = [:]
        var lastID: Int64 = 0
        for payload in sub.payloads() {
            let json = try JSONValue(parsing: payload)
            let camera = json["camera_id"]!.stringValue!, frame = json["frame_number"]!.intValue!
            let id = Int64(json["id"]!.intValue!)
            XCTAssertGreaterThan(id, lastID, "published out of id order")
            XCTAssertEqual(frame, (lastFrame[camera] ?? -1) + 1, "camera \(camera) out of order")
            lastFrame[camera] = frame; lastID = id
        }
        let rows = try f.rows(cameraPrefix: prefix)
        XCTAssertEqual(rows.count, perCamera * cameras)
        XCTAssertEqual(f.router.stats["published"], perCamera * cameras)
    }

    func testExtraChannelsAndStream() throws {
        let stream = "stream-\(UUID().uuidString.prefix(6))"
        let f = try RouterFixture(extraChannels: true, stream: stream)
        let byType = try SubscriberProcess(redisCLI: f.redis, channel: "\(f.channel):anpr")
        let camera = "chan-\(UUID().uuidString.prefix(6))"
        let byCamera = try SubscriberProcess(redisCLI: f.redis, channel: "\(f.channel):\(camera)")
        defer { byType.stop(); byCamera.stop() }
        f.router.start()
        f.router.submit(f.event(camera, 1, type: "motion"))
        f.router.submit(f.event(camera, 2, type: "anpr"))
        f.router.submit(f.event("other", 3, type: "anpr"))
        RouterFixture.wait("channel payloads") { byType.payloads().count == 2 && byCamera.payloads().count == 2 }
        f.router.shutdown()
        XCTAssertEqual(try byType.payloads().map { try JSONValue(parsing: $0)["event_type"]?.stringValue }, ["anpr", "anpr"])
        XCTAssertEqual(try byCamera.payloads().map { try JSONValue(parsing: $0)["frame_number"]?.intValue }, [1, 2])
        let redis = try RedisConnection(host: f.redis.host, port: f.redis.port)
        XCTAssertEqual(try redis.command(["XLEN", stream]), .integer(3))
    }

    func testAnInvalidEventIsRefusedAloneAndTheRestAreSaved() throws {
        let f = try RouterFixture()
        f.router.start()
        let camera = "valid-\(UUID().uuidString.prefix(6))"
        XCTAssertTrue(f.router.submit(f.event(camera, 1)))
        XCTAssertFalse(f.router.submit(f.event(camera, 2, type: String(repeating: "x", count: 51))))
        XCTAssertTrue(f.router.submit(f.event(camera, 3)))
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), [1, 3])
        XCTAssertEqual(f.router.stats["rejected"], 1)
    }

    func testAnEventPostgresRefusesIsKeptAsideAndTheBatchIsSaved() throws {
        let f = try RouterFixture()
        let camera = "nul-\(UUID().uuidString.prefix(6))"
        let events = (0..<5).map { i in f.event(camera, i, data: i == 2 ? ["note": "a\u{0}b"] : ["n": .int(i)]) }
        f.router.start()
        events.forEach { f.router.submit($0) }   // jsonb refuses \u0000 inside a string
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), [0, 1, 3, 4])
        XCTAssertEqual(f.router.stats["rejected"], 1)
        let rejected = try String(contentsOfFile: "\(f.spool)/rejected.jsonl", encoding: .utf8)
        XCTAssertEqual(try JSONValue(parsing: rejected.trimmingCharacters(in: .newlines))["frame_number"], 2)
    }

    func testASpooledEventPostgresRefusesDoesNotBlockTheReplay() throws {
        let spool = TestSupport.tempDir("spool")
        let camera = "nulspool-\(UUID().uuidString.prefix(6))"
        let writer = try Spool(directory: spool)
        let f0 = try RouterFixture(spool: spool)
        try writer.append((0..<5).map { i in f0.event(camera, i, data: i == 1 ? ["note": "x\u{0}"] : ["n": .int(i)]) })
        writer.seal()
        let f = try RouterFixture(spool: spool)   // a new router finds the spool at start and replays it
        f.router.start()
        RouterFixture.wait("replay") { (try? f.rows(cameraPrefix: camera).count) == 4 }
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), [0, 2, 3, 4])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spool).sorted(), ["rejected.jsonl"])
    }
}
