import Foundation
import PluginAPI
@testable import VigilAPI
@testable import VigilConfig
import VigilRedis
@testable import VigilRouter
import XCTest

/// Issue 14: the live feed (`/api/events/live`) on a real socket, fed by the real router through
/// the test's real Redis, replaying from the real PostgreSQL.
final class LiveFeedTests: XCTestCase {
    /// Waits until the hub has `clients` clients and a subscription in place.
    func waitJoined(_ api: APIFixture, _ clients: Int) {
        RouterFixture.wait("\(clients) live clients subscribed") { api.hub.clientCount == clients && api.hub.isSubscribed }
    }

    /// Reads `count` text messages as JSON (fails on a close or a timeout).
    func messages(_ ws: RawWebSocket, _ count: Int, timeout: Double = 10, file: StaticString = #filePath,
                  line: UInt = #line) -> [JSONValue] {
        var out: [JSONValue] = []
        while out.count < count {
            guard case .text(let text) = ws.read(timeout: timeout) else {
                XCTFail("expected \(count) messages, got \(out.count)", file: file, line: line); break
            }
            out.append(try! JSONValue(parsing: text))
        }
        return out
    }

    func publisher() throws -> RedisConnection {
        let a = try RedisAddress(url: try TestSupport.services().redis)
        return try RedisConnection(host: a.host, port: a.port, database: a.database, password: a.password)
    }

    /// A published-looking event (not in PostgreSQL), `bytes` long or so.
    func synthetic(id: Int, camera: String, type: String = "probe", padding: Int = 0) -> String {
        #"{"id": \#(id), "event_type": "\#(type)", "camera_id": "\#(camera)", "timestamp": "2024-10-11T12:34:56.789Z", "#
            + #""frame_number": 1, "snapshot_path": null, "event_data": {"pad": "\#(String(repeating: "x", count: padding))"}, "#
            + #""created_at": "2024-10-11T12:34:56.789123"}"#
    }

    func testFiltersPassExactlyThePublishedJSONOfMatchingEvents() async throws {
        let f = try RouterFixture()
        let api = try await APIFixture(liveChannel: f.channel)
        let cam = "live\(UUID().uuidString.prefix(6))"
        let all = try RawWebSocket(port: api.port, path: "/api/events/live")
        let oneCamera = try RawWebSocket(port: api.port, path: "/api/events/live?camera_id=\(cam)-1")
        let oneType = try RawWebSocket(port: api.port, path: "/api/events/live?event_type=tracking")
        let both = try RawWebSocket(port: api.port, path: "/api/events/live?camera_id=\(cam)-0&event_type=anpr")
        XCTAssertEqual([all, oneCamera, oneType, both].map(\.status), [101, 101, 101, 101])
        waitJoined(api, 4)
        let types = ["motion", "tracking", "anpr"]
        let events = (0..<30).map { f.event("\(cam)-\($0 % 2)", $0, type: types[$0 % 3]) }
        try f.save(events)

        let got = messages(all, 30)
        XCTAssertEqual(got.map { $0["frame_number"]!.intValue! }, Array(0..<30), "all events, in publish order")
        for e in got {  // exactly the published JSON: what the API answers for that id
            let id = e["id"]!.intValue!
            let stored = try await api.get("/api/events/\(id)")
            XCTAssertEqual(try JSONValue(parsing: String(decoding: stored.body, as: UTF8.self)), e)
        }
        func frames(_ ws: RawWebSocket, _ n: Int) -> [Int] { messages(ws, n).map { $0["frame_number"]!.intValue! } }
        XCTAssertEqual(frames(oneCamera, 15), (0..<30).filter { $0 % 2 == 1 })
        XCTAssertEqual(frames(oneType, 10), (0..<30).filter { $0 % 3 == 1 })
        XCTAssertEqual(frames(both, 5), (0..<30).filter { $0 % 2 == 0 && $0 % 3 == 2 })
        for ws in [oneCamera, oneType, both] { XCTAssertNil(ws.read(timeout: 0.3), "nothing else matches") }

        // Bad parameters: a 400 naming the parameter, no upgrade.
        XCTAssertEqual(try RawWebSocket(port: api.port, path: "/api/events/live?since_id=-1").status, 400)
        XCTAssertEqual(try RawWebSocket(port: api.port, path: "/api/events/live?event_type=NOPE").status, 400)
        let plain = try await api.json("/api/events/live?since_id=x")
        XCTAssertEqual(plain.status, 400)
        XCTAssertTrue(plain.value["error"]?.stringValue?.hasPrefix("since_id:") == true, "\(plain.value)")
        let upgrade = try await api.get("/api/events/live")
        XCTAssertEqual(upgrade.status, 426, "a plain GET is told to upgrade")
        await api.stop()
    }

    func testSinceIDJoinsHistoryAndLiveWithoutGapOrDuplicate() async throws {
        let f = try RouterFixture()
        let api = try await APIFixture(liveChannel: f.channel)
        let cam = "join\(UUID().uuidString.prefix(6))"
        try f.save((0..<700).map { f.event(cam, $0) })  // history: more than one replay page after since_id
        let stored = try f.rows(cameraPrefix: cam)
        let since = stored[99].id
        // Events keep coming while the client connects and replays.
        let live = try RouterFixture(channel: f.channel)
        let producer = Thread {
            live.router.start()
            for i in 700..<1300 { _ = live.router.submit(live.event(cam, i)); if i % 20 == 0 { usleep(2000) } }
            live.router.shutdown()
        }
        producer.start()
        let ws = try RawWebSocket(port: api.port, path: "/api/events/live?camera_id=\(cam)&since_id=\(since)")
        XCTAssertEqual(ws.status, 101)
        let got = messages(ws, 1200, timeout: 20).map { Int64($0["id"]!.intValue!) }
        RouterFixture.wait("all 1300 rows saved") { (try? f.rows(cameraPrefix: cam).count) == 1300 }
        let expected = try f.rows(cameraPrefix: cam).map(\.id).filter { $0 > since }
        XCTAssertEqual(got.count, Set(got).count, "no duplicate")
        XCTAssertEqual(got, expected, "every event after since_id, once, in id order")
        XCTAssertNil(ws.read(timeout: 0.3))
        await api.stop()
    }

    func testTokenIsRequiredWhenSet() async throws {
        let api = try await APIFixture(token: "s3cret-token")
        for path in ["/api/events/live", "/api/events/live?token=wrong", "/api/events/live?token=s3cret-token-and-more"] {
            let ws = try RawWebSocket(port: api.port, path: path)
            guard case .close(let code, let reason)? = ws.read() else { XCTFail("\(path): expected a close"); continue }
            XCTAssertEqual(code, 4401, path)
            XCTAssertTrue(reason.hasPrefix("token:"), reason)
        }
        XCTAssertEqual(api.hub.clientCount, 0, "refused clients never join the feed")
        let good = try RawWebSocket(port: api.port, path: "/api/events/live?token=s3cret-token")
        XCTAssertEqual(good.status, 101)
        waitJoined(api, 1)
        XCTAssertNil(good.read(timeout: 0.3), "the right token is not closed")
        let plain = try await api.json("/api/events/live")
        XCTAssertEqual(plain.status, 401)
        XCTAssertEqual(plain.value["error"]?.stringValue?.hasPrefix("token:"), true)
        let list = try await api.get("/api/events?token=s3cret-token")
        XCTAssertEqual(list.status, 401, "the query token is for the live feed only")
        let page = try await api.get("/ui")
        XCTAssertEqual(page.status, 200, "the page itself is public; it asks for the token")
        await api.stop()
    }

    func testClientThatNeverReadsIsDroppedAndMemoryStaysBounded() async throws {
        let channel = "live-slow-\(UUID().uuidString.prefix(6))"
        let limit = 256 * 1024
        let api = try await APIFixture(liveChannel: channel, liveBufferBytes: limit)
        let slow = try RawWebSocket(port: api.port, path: "/api/events/live", receiveBuffer: 4096)
        let fast = try RawWebSocket(port: api.port, path: "/api/events/live")
        waitJoined(api, 2)
        let redis = try publisher()
        let before = Self.residentMB()
        // 20,000 events of 2 KB: 40 MB that the slow client never takes.
        let count = 20_000
        let reader = Task.detached { () -> [Int] in
            var ids: [Int] = []
            while ids.count < count, case .text(let t)? = fast.read(timeout: 20) { ids.append(try! JSONValue(parsing: t)["id"]!.intValue!) }
            return ids
        }
        for start in stride(from: 0, to: count, by: 20) {
            _ = try redis.pipeline((start..<start + 20).map { ["PUBLISH", channel, synthetic(id: $0 + 1, camera: "slow", padding: 1900)] })
            // Paced to what the fast client takes (it too is dropped past 256 KB), not to the slow one.
            while fast.received < start - 20, !fast.closed { usleep(200) }
        }
        let ids = await reader.value
        XCTAssertEqual(ids.count, count, "the fast client gets every event, not slowed by the slow one")
        XCTAssertTrue(ids == Array(1...count), "in order")
        XCTAssertEqual(api.hub.stats.dropped, 1, "the slow client is dropped")
        XCTAssertTrue(slow.drainUntilClosed(timeout: 10), "the server ends the slow client's connection")
        let grown = Self.residentMB() - before
        print("live slow client: published_mb=\(count * 2 / 1000) rss_growth_mb=\(grown) buffer_limit_kb=\(limit / 1024)")
        XCTAssertLessThan(grown, 20, "memory stays bounded (40 MB went by)")
        XCTAssertEqual(api.hub.clientCount, 1)
        await api.stop()
    }

    func testTwoHundredClientsAtOnce() async throws {
        let channel = "live-many-\(UUID().uuidString.prefix(6))"
        let api = try await APIFixture(liveChannel: channel)
        var clients: [RawWebSocket] = []
        for i in 0..<200 {
            let ws = try RawWebSocket(port: api.port, path: "/api/events/live?camera_id=many-\(i % 4)")
            XCTAssertEqual(ws.status, 101, "client \(i)")
            clients.append(ws)
        }
        waitJoined(api, 200)
        let redis = try publisher()
        _ = try redis.pipeline((1...40).map { ["PUBLISH", channel, synthetic(id: $0, camera: "many-\($0 % 4)")] })
        for (i, ws) in clients.enumerated() {
            let ids = messages(ws, 10).map { $0["id"]!.intValue! }
            XCTAssertEqual(ids, (1...40).filter { $0 % 4 == i % 4 }, "client \(i)")
        }
        XCTAssertEqual(api.hub.stats.received, 40)
        for ws in clients { ws.sendClose() }
        RouterFixture.wait("clients gone") { api.hub.clientCount == 0 }
        await api.stop()
    }

    static func residentMB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
