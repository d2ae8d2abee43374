import Foundation
import VigilRedisClient
import XCTest

/// Pub/sub on a real redis-server: channels, patterns, more subscriptions, unsubscribe, close.
final class PubSubTests: XCTestCase {
    struct Ping: Codable, Equatable { var n: Int }

    var server: RedisServer!
    var client: RedisClient!

    override func setUp() async throws {
        server = try RedisServer()
        client = try makeClient(server)
        try await client.connect()
    }

    override func tearDown() async throws {
        await client.disconnect()
        server = nil
    }

    func testChannelsAndPatterns() async throws {
        let subscription = try await client.subscribe(channels: ["events"], patterns: ["events:*"])
        XCTAssertEqual(subscription.channels, ["events"])
        XCTAssertEqual(subscription.patterns, ["events:*"])
        try await assertEqual(try await client.publish("one", to: "events"), 1, "the subscription is live when subscribe returns")
        try await assertEqual(try await client.publish(Ping(n: 2), to: "events:camera-01"), 1)
        try await assertEqual(try await client.publish("nobody", to: "other"), 0)
        var iterator = subscription.makeAsyncIterator()
        let first = await iterator.next()
        XCTAssertEqual(first, RedisMessage(channel: "events", payload: "one"))
        let second = await iterator.next()
        XCTAssertEqual(second?.channel, "events:camera-01")
        XCTAssertEqual(second?.pattern, "events:*")
        XCTAssertEqual(try second?.decode(Ping.self), Ping(n: 2))
        await subscription.close()
        let end = await iterator.next()
        XCTAssertNil(end, "close ends the sequence")
    }

    func testSubscribeMoreAndUnsubscribe() async throws {
        let subscription = try await client.subscribe(channels: ["a"])
        try await subscription.subscribe(channels: ["b"], patterns: ["c*"])
        try await assertEqual(try await client.publish("to b", to: "b"), 1)
        try await assertEqual(try await client.publish("to c1", to: "c1"), 1)
        await subscription.unsubscribe(channels: ["a"])
        try await assertEqual(try await client.publish("to a", to: "a"), 0, "confirmed when unsubscribe returns")
        try await assertEqual(try await client.publish("b again", to: "b"), 1)
        var received: [String] = []
        for await message in subscription {
            received.append(message.payload)
            if received.count == 3 { break }
        }
        XCTAssertEqual(received, ["to b", "to c1", "b again"])
        await subscription.unsubscribe(channels: ["b"], patterns: ["c*"])
        try await assertEqual(try await client.publish("gone", to: "b"), 0)
        XCTAssertTrue(subscription.channels.isEmpty)
    }

    func testSubscribeNeedsSomethingAndAConnectedClient() async throws {
        do { _ = try await client.subscribe(); XCTFail("subscribed to nothing") } catch RedisClientError.invalidArgument {}
        await client.disconnect()
        do { _ = try await client.subscribe(channels: ["x"]); XCTFail("subscribed while disconnected") }
        catch RedisClientError.notConnected {}
    }

    func testDisconnectEndsSubscriptions() async throws {
        let subscription = try await client.subscribe(channels: ["x"])
        let reader = Task { () -> Int in var n = 0; for await _ in subscription { n += 1 }; return n }
        try await client.publish("1", to: "x")
        try await Task.sleep(for: .milliseconds(100))
        await client.disconnect()
        let count = await reader.value
        XCTAssertEqual(count, 1)
        XCTAssertEqual(try server.raw().command(["PUBSUB", "NUMSUB", "x"]), .array([.string("x"), .integer(0)]))
    }
}
