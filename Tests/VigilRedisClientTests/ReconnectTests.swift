import Foundation
import VigilRedisClient
import XCTest

/// redis-server killed (SIGKILL) and started again on the same port: calls during the outage
/// fail with a clear error after the retries; afterwards the pool works again without a failed
/// call, and a subscriber resubscribes by itself, logs it, and receives the next message.
final class ReconnectTests: XCTestCase {
    func testKillAndRestartRedis() async throws {
        let server = try RedisServer()
        let logs = LogCapture()
        let client = try makeClient(server, logs: logs, poolSize: 4)
        try await client.connect()
        let resubscriptions = Counter()
        let subscription = try await client.subscribe(channels: ["news"], patterns: ["cams:*"]) { resubscriptions.increment() }
        var messages = subscription.makeAsyncIterator()
        try await client.publish("before", to: "news")
        let before = await messages.next()
        XCTAssertEqual(before?.payload, "before")

        server.kill()
        do {
            try await client.set("during", to: "outage")
            XCTFail("a call succeeded with Redis down")
        } catch let error as RedisClientError {
            guard case .connectFailed(_, let attempts, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(attempts, 4)
        }
        let down = await client.healthCheck()
        XCTAssertEqual(down.status, "unhealthy")
        try await assertTrue(await eventually { logs.count("Redis subscription lost, reconnecting") == 1 })

        try server.start()
        // Every pooled connection is dead or stale now; none of these calls may fail.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 { group.addTask { try await client.set("after:\(i)", to: i) } }
            try await group.waitForAll()
        }
        XCTAssertEqual(try server.raw().command(["DBSIZE"]), .integer(40))
        try await assertTrue(await client.healthCheck().isHealthy)

        try await assertTrue(await eventually(10) { resubscriptions.value == 1 }, "resubscribed after the restart")
        let line = logs.lines.first { $0.message == "Redis subscription resubscribed" }
        XCTAssertEqual(line?.metadata["redis.channels"], "[\"news\"]")
        XCTAssertEqual(line?.metadata["redis.patterns"], "[\"cams:*\"]")
        try await assertEqual(try await client.publish("after", to: "news"), 1)
        try await assertEqual(try await client.publish("cam", to: "cams:1"), 1)
        let after = await messages.next()
        XCTAssertEqual(after?.payload, "after")
        let cam = await messages.next()
        XCTAssertEqual(cam?.channel, "cams:1")
        XCTAssertEqual(cam?.pattern, "cams:*")
        await client.disconnect()
    }

    func testHealthPingReconnectsAnIdlePool() async throws {
        let server = try RedisServer()
        let logs = LogCapture()
        let client = try makeClient(server, logs: logs, poolSize: 2) { $0.healthCheckInterval = .milliseconds(200) }
        try await client.connect()
        server.kill()
        try await assertTrue(await eventually { logs.count("Redis unreachable") >= 2 }, "the idle pool noticed the outage")
        try server.start()
        try await assertTrue(await eventually { logs.count("Redis reconnected") >= 2 }, "and reconnected before any call")
        try await client.set("k", to: "v")
        await client.disconnect()
    }
}

/// A thread-safe counter for callbacks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
