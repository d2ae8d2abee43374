import Foundation
import PluginAPI
@testable import VigilAPI
@testable import VigilConfig
import VigilRedis
@testable import VigilRouter
import XCTest

/// Issue 14, continued: plates on the live feed are shown as the REST API shows them (live and
/// in the `since_id` replay), and the feed rides out a Redis restart — against the real router,
/// Redis and PostgreSQL, and the real redis-server stopped and started again.
extension LiveFeedTests {
    /// A router and an API on one channel, a feed client of camera `<prefix><random>` that has
    /// received the camera's first event (frame 0): the start of the Redis restart tests. The
    /// caller shuts the router down and stops the API.
    func startFeed(_ prefix: String) async throws -> (f: RouterFixture, api: APIFixture, cam: String, ws: RawWebSocket) {
        let f = try RouterFixture()
        let api = try await APIFixture(liveChannel: f.channel)
        let cam = prefix + UUID().uuidString.prefix(6)
        let ws = try RawWebSocket(port: api.port, path: "/api/events/live?camera_id=\(cam)")
        waitJoined(api, 1)
        f.router.start()
        f.router.submit(f.event(cam, 0))
        XCTAssertEqual(messages(ws, 1).map { $0["frame_number"]?.intValue }, [0])
        return (f, api, cam, ws)
    }

    /// With PLATE_ENCRYPTION_KEY set, Redis carries plain plates (PLATE_PUBLISH=plain): a client of
    /// an API without API_TOKEN gets them redacted, a token holder gets them as the plugin emitted
    /// them; each message is what `/api/events/{id}` answers the same caller; the `since_id`
    /// replay (rows sealed in PostgreSQL) gives the same. PLATE_PUBLISH=encrypted: decrypted for the holder.
    func testPlatesAreShownAsTheAPIShowsThem() async throws {
        let vault = try PlateVault(current: PlateTestSupport.secret())
        let f = try RouterFixture(plates: vault)
        let cam = "liveplate\(UUID().uuidString.prefix(6))"
        let plate = PlateTestSupport.plate()
        let open = try await APIFixture(plates: vault, liveChannel: f.channel)
        let closed = try await APIFixture(token: "t0ken", plates: vault, liveChannel: f.channel)
        let anonymous = try RawWebSocket(port: open.port, path: "/api/events/live?camera_id=\(cam)")
        let holder = try RawWebSocket(port: closed.port, path: "/api/events/live?camera_id=\(cam)&token=t0ken")
        waitJoined(open, 1)
        waitJoined(closed, 1)
        let raw = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        try f.save([f.event(cam, 0, type: "anpr", data: PlateTestSupport.anpr(plate)), f.event(cam, 1)])
        try RouterFixture.wait("the event published with its plate in plain") { raw.payloads().contains { $0.contains(plate) } }

        let seen = messages(anonymous, 2), full = messages(holder, 2)
        XCTAssertEqual(seen.map { $0["frame_number"]?.intValue }, [0, 1])
        XCTAssertEqual(seen[0]["event_data"], PlateFields.redact(PlateTestSupport.anpr(plate), vault),
                       "every plate field redacted, plate_hmac added")
        XCTAssertFalse(EventJSON.encode(seen[0]).contains(plate))
        XCTAssertEqual(full[0]["event_data"], PlateTestSupport.anpr(plate), "the token holder gets the plates")
        XCTAssertEqual(full[1], seen[1], "an event without plates is the same for both")
        for e in seen {
            let rest = try await open.json("/api/events/\(e["id"]!.intValue!)")
            XCTAssertEqual(e, rest.value, "what the REST API answers without a token")
        }
        for e in full {
            let rest = try await closed.json("/api/events/\(e["id"]!.intValue!)", token: "t0ken")
            XCTAssertEqual(e, rest.value, "what the REST API answers the token holder")
        }

        // since_id: the same events replayed from PostgreSQL, where the plates are sealed.
        let since = seen[0]["id"]!.intValue! - 1
        let anonymousReplay = try RawWebSocket(port: open.port, path: "/api/events/live?camera_id=\(cam)&since_id=\(since)")
        XCTAssertEqual(messages(anonymousReplay, 2), seen, "replayed redacted")
        let holderReplay = try RawWebSocket(port: closed.port, path: "/api/events/live?camera_id=\(cam)&since_id=\(since)&token=t0ken")
        XCTAssertEqual(messages(holderReplay, 2), full, "replayed decrypted")
        await open.stop()
        await closed.stop()

        // PLATE_PUBLISH=encrypted: Redis carries the envelopes; the feed decrypts them for the token holder.
        let sealed = try RouterFixture(plates: vault, platePublish: .encrypted)
        let api = try await APIFixture(token: "t0ken", plates: vault, liveChannel: sealed.channel)
        let client = try RawWebSocket(port: api.port, path: "/api/events/live?camera_id=\(cam)-e&token=t0ken")
        waitJoined(api, 1)
        try sealed.save([sealed.event(cam + "-e", 0, type: "anpr", data: PlateTestSupport.anpr(plate))])
        XCTAssertEqual(messages(client, 1).first?["event_data"], PlateTestSupport.anpr(plate))
        await api.stop()
        raw.stop()
    }

    /// redis-server stopped and started again: a client connected before keeps its connection,
    /// gets the events saved while Redis was down (replayed from PostgreSQL once the hub has
    /// resubscribed) and those published afterwards: each once, in id order.
    func testFeedGoesOnAfterARedisRestart() async throws {
        let (f, api, cam, ws) = try await startFeed("restart")
        defer { f.router.shutdown() }

        try Faults.services("stop-redis")
        RouterFixture.wait("the hub to notice Redis is gone") { !api.hub.isSubscribed }
        for i in 1...20 { f.router.submit(f.event(cam, i)) }
        try RouterFixture.wait("saved while Redis is down") { try f.rows(cameraPrefix: cam).count == 21 }
        try Faults.services("start-redis")
        RouterFixture.wait("the hub to resubscribe") { api.hub.isSubscribed && api.hub.stats.subscriptions == 2 }
        XCTAssertFalse(ws.closed, "the client stays connected meanwhile")
        f.router.submit(f.event(cam, 21))
        let got = messages(ws, 21, timeout: 20).map { Int64($0["id"]!.intValue!) }
        try RouterFixture.wait("saved after the restart") { try f.rows(cameraPrefix: cam).count == 22 }
        XCTAssertEqual(got, try f.rows(cameraPrefix: cam).dropFirst().map(\.id), "each event once, in id order")
        XCTAssertNil(ws.read(timeout: 0.5), "nothing twice")
        await api.stop()
    }

    /// The hub's subscription cut (CLIENT KILL) while Redis refuses new connections (maxclients):
    /// what the router publishes meanwhile reaches no subscriber, yet the client gets it once the
    /// hub is back — replayed from PostgreSQL — then the live events, each once, in id order.
    func testEventsPublishedWhileTheFeedWasAwayAreReplayed() async throws {
        let (f, api, cam, ws) = try await startFeed("away")
        defer { f.router.shutdown() }

        let admin = try publisher()
        guard case .array(let limit) = try admin.command(["CONFIG", "GET", "maxclients"]), let was = limit.last?.text else {
            return XCTFail("CONFIG GET maxclients")
        }
        defer { _ = try? admin.command(["CONFIG", "SET", "maxclients", was]) }  // also when the test fails
        _ = try admin.command(["CONFIG", "SET", "maxclients", "1"])  // nobody new gets in
        _ = try admin.command(["CLIENT", "KILL", "TYPE", "pubsub"])
        RouterFixture.wait("the hub to lose its subscription") { !api.hub.isSubscribed }
        for i in 1...20 { f.router.submit(f.event(cam, i)) }
        try RouterFixture.wait("saved and published to nobody") { try f.rows(cameraPrefix: cam).count == 21 }
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertFalse(api.hub.isSubscribed, "the hub stayed out meanwhile")
        _ = try admin.command(["CONFIG", "SET", "maxclients", was])
        RouterFixture.wait("the hub to resubscribe") { api.hub.isSubscribed }
        f.router.submit(f.event(cam, 21))
        let got = messages(ws, 21, timeout: 20).map { Int64($0["id"]!.intValue!) }
        try RouterFixture.wait("saved after") { try f.rows(cameraPrefix: cam).count == 22 }
        XCTAssertEqual(got, try f.rows(cameraPrefix: cam).dropFirst().map(\.id), "each event once, in id order")
        XCTAssertNil(ws.read(timeout: 0.5), "nothing twice")
        await api.stop()
    }
}
