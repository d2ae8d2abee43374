import Foundation
@testable import HostMetrics
import Logging
import PluginAPI
@testable import VigilAPI
@testable import VigilConfig
import VigilPostgres
import VigilRedis
import VigilRedisClient
@testable import VigilRetention
@testable import VigilRouter
import XCTest

/// Issue 17: the API's answers as Codable values, event objects still in the published shape,
/// bounded totals, the status page without a thread (or a Redis connection) per request, and
/// retention in / and /metrics.
final class APIOperationsTests: XCTestCase {
    func testListedEventsAreTheBytesThatWerePublished() async throws {
        let camera = "bytes-\(UUID().uuidString.prefix(6))"
        let f = try RouterFixture()
        let sub = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        defer { sub.stop() }
        // event_data keys in PostgreSQL's jsonb order (shortest first), so the stored text keeps the published order.
        try f.save((0..<5).map { i in
            NewEvent(type: "anpr", cameraID: camera, frameNumber: i, timestamp: Timestamp(microsecondsSince1970: 1_728_649_696_789_000 + Int64(i) * 1000),
                     snapshotPath: i == 0 ? "snapshots/2024-10-11/\(camera)/anpr_0_1728649696.png" : nil,
                     data: ["seq": .int(i), "plate": .string(i % 2 == 0 ? "Caf\u{e9} \"\(i)\"" : "AB\\C\t\"\(i)\"\u{1}"),
                            "confidence": i == 3 ? 1e-05 : (i == 4 ? 100.0 : 0.875)])
        })
        RouterFixture.wait("five events published") { sub.payloads().count == 5 }
        let api = try await APIFixture()
        let list = try await api.get("/api/events?camera_id=\(camera)")
        let body = String(decoding: list.body, as: UTF8.self)
        XCTAssertEqual(list.type, "application/json")
        for payload in sub.payloads() {
            XCTAssertTrue(body.contains(payload), "the list holds, byte for byte, what was published: \(payload)\nin \(body)")
            let id = try XCTUnwrap(JSONValue(parsing: payload)["id"]?.intValue)
            let one = try await api.get("/api/events/\(id)")
            XCTAssertEqual(String(decoding: one.body, as: UTF8.self), payload)
        }
        XCTAssertTrue(body.hasPrefix(#"{"events":[{"id": "#), body)
        XCTAssertTrue(body.hasSuffix(#"],"page":1,"page_size":50,"total":5,"total_pages":1}"#), body)
        await api.stop()
    }

    func testJSONBTextIsUsedAsItIsOnlyWhenEncodingWouldNotChangeIt() {
        func canonical(_ s: String) -> Bool { PublishedRow.isCanonical(Array(s.utf8)) }
        XCTAssertTrue(canonical(#"{"a": 1, "b": [1.5, -2, 100.0, true, null], "c": {"d": "x\"y\\z\n\u0001"}}"#))
        XCTAssertFalse(canonical(#"{"a": 0.00001}"#), "Swift writes 1e-05")
        XCTAssertFalse(canonical(#"{"a": 1.50}"#), "Swift writes 1.5")
        XCTAssertFalse(canonical(#"{"a": 12345678901234567890}"#), "past Int64")
        XCTAssertFalse(canonical(#"{"a": "café"}"#), "published JSON escapes non-ASCII")
        XCTAssertFalse(canonical("{\"a\": \"\u{7F}\"}"), "and DEL")
        XCTAssertTrue(canonical(#"{"1e5": "-3.5"}"#), "numbers inside strings are text")
    }

    func testTotalsAreExactOrSayTheyAreNot() async throws {
        let camera = "dense-\(UUID().uuidString.prefix(6))"
        let db = try PostgresTestDB.connection()
        // 12,000 events spread evenly over one hour (2024-02-10 10:00–11:00 UTC).
        try db.query("""
            INSERT INTO events (event_type, camera_id, timestamp, frame_number, snapshot_path, event_data)
            SELECT 'motion', $1, timestamp '2024-02-10 10:00:00' + i * interval '300 milliseconds', i, NULL, '{}'
            FROM generate_series(0, 11999) AS i
            """, [camera])
        let api = try await APIFixture()
        let all = try await api.json("/api/events?camera_id=\(camera)&page_size=1")
        XCTAssertEqual(all.value["total"]?.intValue, 12_000)
        XCTAssertNil(all.value["total_exact"], "exact: no total_exact")
        let small = try await api.json("/api/events?camera_id=\(camera)&start_time=2024-02-10T10:45:00Z&page_size=1")
        XCTAssertEqual(small.value["total"]?.intValue, 3_000, "a quarter hour, 3,000 rows: counted")
        XCTAssertNil(small.value["total_exact"])
        let big = try await api.json("/api/events?camera_id=\(camera)&start_time=2024-02-10T10:15:00Z&end_time=2024-02-10T12:00:00Z&page_size=1")
        XCTAssertEqual(big.value["total_exact"]?.boolValue, false, "9,000 rows in the partial hour: estimated")
        XCTAssertEqual(Double(big.value["total"]?.intValue ?? 0), 9_000, accuracy: 50)
        XCTAssertEqual(big.value["events"]?.arrayValue?.first?["frame_number"]?.intValue, 11_999, "the page itself is exact")
        let inside = try await api.json("/api/events?camera_id=\(camera)&start_time=2024-02-10T10:05:00Z&end_time=2024-02-10T10:55:00Z&page_size=1")
        XCTAssertEqual(inside.value["total_exact"]?.boolValue, false, "10,001 rows inside one hour: estimated")
        XCTAssertEqual(Double(inside.value["total"]?.intValue ?? 0), 10_000, accuracy: 50)
        await api.stop()
    }

    func testStatusAnswersManyRequestsWithAFewRedisChecks() async throws {
        let services = try TestSupport.services()
        let redis = try RedisAddress(url: services.redis)
        func connections() throws -> Int {
            let conn = try RedisConnection(host: redis.host, port: redis.port, database: redis.database, password: nil)
            guard case .string(let info) = try conn.command(["INFO", "stats"]),
                  let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("total_connections_received:") }) else { return -1 }
            return Int(line.dropFirst("total_connections_received:".count)) ?? -1
        }
        let before = try connections()
        let client = RedisClient(configuration: try RedisConfiguration(url: services.redis), logger: Logger(label: "test"))
        try await client.connect()
        let api = try await APIFixture(view: ServiceView(redis: client))
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 { group.addTask { try await api.get("/").status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let opened = try connections() - before - 1  // our own INFO connection
        XCTAssertEqual(statuses, Array(repeating: 200, count: 100))
        XCTAssertLessThanOrEqual(opened, 5, "100 status requests share the client's pool of 4 connections (was one connection and one thread each)")
        XCTAssertGreaterThanOrEqual(opened, 1)
        await api.stop()
    }

    func testStatusAndMetricsShowRetention() async throws {
        let root = TestSupport.tempDir("metrics-retention") + "/snapshots"
        let folder = "\(root)/2020-01-01/cam"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for i in 0..<3 { FileManager.default.createFile(atPath: "\(folder)/motion_\(i)_1577836800.png", contents: Data(count: 10_000)) }
        try FileManager.default.createDirectory(atPath: "\(root)/2099-01-01/cam", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: "\(root)/2099-01-01/cam/motion_1_4070908800.png", contents: Data(count: 10_000))
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let retention = RetentionService(policy: RetentionPolicy(defaults: RetentionSettings(snapshotsMaxBytes: 1 << 30),
                                                                 cameras: ["no-such-camera": RetentionRule(eventsDays: 1)]),
                                         database: Database(url: try TestSupport.services().database), snapshotsDir: root, logger: logger)
        try retention.runOnce()
        let metrics = VigilMetrics()
        let api = try await APIFixture(view: ServiceView(retention: retention), metrics: metrics)
        let status = try await api.json("/")
        XCTAssertEqual(status.value["retention"]?["passes"]?.intValue, 1)
        XCTAssertEqual(status.value["retention"]?["snapshots_disk_files"]?.intValue, 4)
        let text = String(decoding: try await api.get("/metrics").body, as: UTF8.self)
        XCTAssertNotNil(text.range(of: #"vigil_snapshots_disk_bytes \d+"#, options: .regularExpression), text)
        XCTAssertTrue(text.contains("vigil_snapshots_disk_files 4"), text)
        XCTAssertTrue(text.contains(#"vigil_retention_snapshots_deleted{reason="cap"} 0"#), text)
        XCTAssertTrue(text.contains("vigil_retention_events_deleted 0"), text)
        XCTAssertTrue(text.contains("vigil_snapshots_max_bytes 1073741824"), text)
        await api.stop()
    }
}
