import Foundation
import PluginAPI
@testable import VigilRouter
@testable import VigilSinks
import XCTest

/// Sinks are fed from what PostgreSQL committed: Redis outages and a late sink start lose nothing.
final class SinkFaultTests: XCTestCase {
    func entry(_ name: String, url: String) -> String {
        """
        {"name": "\(name)", "library": "libWebhook.so", "config": {"url": "\(url)", "secret_env": "TEST_WEBHOOK_SECRET"}}
        """
    }

    func testSinksGetEveryEventWhileRedisIsDownLongerThanThePublishAgeLimit() async throws {
        let server = try await ScriptedHTTPServer()
        let n = "redisdown-\(UUID().uuidString.prefix(6))"
        let f = try SinkFixture(sinks: "[\(entry(n, url: server.url("hook")))]", environment: ["TEST_WEBHOOK_SECRET": "s"],
                                maxCatchUpAge: 1)
        f.submit(2)
        await eventually("first deliveries") { server.requests("hook").count == 2 }
        try Faults.services("stop-redis")
        defer { try? Faults.services("start-redis", check: false) }
        f.submit(5)
        await eventually("delivered while Redis is down", timeout: 10) { server.requests("hook").count == 7 }
        try await Task.sleep(for: .seconds(2))   // longer than PUBLISH_MAX_AGE_SECONDS (1 s here)
        try Faults.services("start-redis")
        await eventually("the publisher caught up (skipping the old events)", timeout: 10) { f.stats[.skipped] == 5 }
        await f.stop(); await server.stop()
        let ids = server.requests("hook").compactMap { try? JSONValue(parsing: $0.text)["id"]?.intValue }
        let rows = try f.router.rows(cameraPrefix: f.camera).map { Int($0.id) }
        XCTAssertEqual(ids.sorted(), rows, "every saved event reached the sink once")
    }

    func testASinkThatStartsLateGetsTheFirstEventsOfTheRun() async throws {
        let server = try await ScriptedHTTPServer()
        let n = "late-\(UUID().uuidString.prefix(6))"
        let f = try SinkFixture(sinks: "[\(entry(n, url: server.url("late")))]", environment: ["TEST_WEBHOOK_SECRET": "s"],
                                sinksFirst: false)
        // A fast camera: its first events are saved before the new sink's thread gets going.
        f.submit(20)
        RouterFixture.wait("first events saved") { (try? f.router.rows(cameraPrefix: f.camera).count) == 20 }
        f.startSinks()
        f.submit(5)
        await eventually("every event of the run delivered", timeout: 20) { server.requests("late").count >= 25 }
        await f.stop(); await server.stop()
        let seqs = server.requests("late").compactMap { try? JSONValue(parsing: $0.text)["event_data"]?["seq"]?.intValue }
        XCTAssertEqual(seqs.count, 25)
        XCTAssertEqual(Set(seqs), Set(0..<20), "the first 20 and the next 5 (seq restarts at 0)")
    }
}
