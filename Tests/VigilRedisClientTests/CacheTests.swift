import Foundation
import VigilRedisClient
import XCTest

/// Cache on a real redis-server: set with and without TTL (and its expiry), get, exists,
/// delete many; the health check's keys.
final class CacheTests: XCTestCase {
    struct Status: Codable, Equatable { var online: Bool; var fps: Double }

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

    func testSetGetExistsDelete() async throws {
        try await client.set("plain", to: "as it is")
        try await client.set("status", to: Status(online: true, fps: 9.5))
        XCTAssertEqual(try server.raw().command(["GET", "plain"]), .string("as it is"))
        XCTAssertEqual(try server.raw().command(["GET", "status"]), .string("{\"fps\":9.5,\"online\":true}"))
        try await assertEqual(try await client.get("plain", as: String.self), "as it is")
        try await assertEqual(try await client.get("status", as: Status.self), Status(online: true, fps: 9.5))
        try await assertNil(try await client.get("missing", as: String.self))
        try await assertTrue(try await client.exists("plain"))
        try await assertFalse(try await client.exists("missing"))
        try await assertNil(try await client.timeToLive("plain"), "no TTL given: never expires")
        try await assertEqual(try await client.delete(["plain", "status", "missing"]), 2)
        try await assertFalse(try await client.exists("status"))
    }

    func testTTLExpires() async throws {
        try await client.set("short", to: Status(online: true, fps: 5), ttl: .milliseconds(400))
        let ttl = try await client.timeToLive("short")
        XCTAssertNotNil(ttl)
        XCTAssertLessThanOrEqual(ttl!, .milliseconds(400))
        XCTAssertGreaterThan(ttl!, .milliseconds(100))
        try await assertTrue(try await client.exists("short"))
        try await Task.sleep(for: .milliseconds(700))
        try await assertFalse(try await client.exists("short"))
        try await assertNil(try await client.get("short", as: Status.self))
        try await client.set("later", to: "x")
        try await assertTrue(try await client.expire("later", after: .milliseconds(200)))
        try await Task.sleep(for: .milliseconds(500))
        try await assertNil(try await client.get("later", as: String.self))
    }

    func testHealthHasTheDocumentsKeys() async throws {
        let health = await client.healthCheck()
        XCTAssertTrue(health.isHealthy)
        let info = try server.raw().command(["INFO", "server"]).text ?? ""
        let version = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("redis_version:") }?.split(separator: ":").last
        XCTAssertEqual(health.redisVersion, version.map(String.init))
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(health)) as? [String: Any]
        XCTAssertEqual(Set(json?.keys.map { $0 } ?? []), ["status", "connected", "redis_version"])
        XCTAssertEqual(json?["status"] as? String, "healthy")
        XCTAssertEqual(json?["connected"] as? Bool, true)
        await client.disconnect()
        let down = await client.healthCheck()
        XCTAssertEqual(down.status, "unhealthy")
        XCTAssertFalse(down.connected)
        XCTAssertNotNil(down.error)
    }

    func testRawCommandsAndPipelines() async throws {
        try await assertEqual(try await client.send("INCRBY", "n", "5"), .integer(5))
        let replies = try await client.pipeline([["INCR", "n"], ["LPUSH", "n", "x"], ["GET", "n"]])
        XCTAssertEqual(replies[0], .integer(6))
        guard case .error(let message) = replies[1] else { return XCTFail("\(replies[1])") }
        XCTAssertTrue(message.hasPrefix("WRONGTYPE"), message)
        XCTAssertEqual(replies[2], .string("6"))
        do {
            try await client.send("LPUSH", "n", "x")
            XCTFail("an error reply was not thrown")
        } catch let error as RedisClientError {
            XCTAssertTrue("\(error)".hasPrefix("Redis refused LPUSH: WRONGTYPE"), "\(error)")
        }
    }
}
