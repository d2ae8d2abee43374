import Foundation
import VigilRedisClient
import XCTest

/// Queues on a real redis-server: RPUSH, LPOP, BLPOP (with and without a value arriving), LLEN,
/// LRANGE, DEL, LMOVE/LREM; Codable values as JSON, strings as they are.
final class QueueTests: XCTestCase {
    struct Job: Codable, Equatable { var cameraID: String; var imagePath: String; var timestamp: Double }

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

    func testPushPopInOrderAndStringsStayAsTheyAre() async throws {
        try await assertEqual(try await client.push("first", to: "q"), 1)
        try await assertEqual(try await client.push(contentsOf: ["second", "{\"not\": \"decoded\"}"], to: "q"), 3)
        XCTAssertEqual(try server.raw().command(["LINDEX", "q", "2"]), .string("{\"not\": \"decoded\"}"))
        try await assertEqual(try await client.length(of: "q"), 3)
        try await assertEqual(try await client.pop(from: "q", as: String.self), "first")
        try await assertEqual(try await client.pop(from: "q", as: String.self), "second")
        try await assertEqual(try await client.pop(from: "q", as: String.self), "{\"not\": \"decoded\"}")
        try await assertNil(try await client.pop(from: "q", as: String.self))
    }

    func testCodableValuesTravelAsJSON() async throws {
        let job = Job(cameraID: "camera-01", imagePath: "/tmp/a.png", timestamp: 1728649696.5)
        try await client.push(job, to: "jobs")
        let stored = try server.raw().command(["LINDEX", "jobs", "0"]).text ?? ""
        XCTAssertEqual(try JSONDecoder().decode(Job.self, from: Data(stored.utf8)), job)
        XCTAssertTrue(stored.contains("\"imagePath\":\"/tmp/a.png\""), stored)
        try await assertEqual(try await client.pop(from: "jobs", as: Job.self), job)
    }

    func testDecodingAWrongShapeIsAClearError() async throws {
        try await client.push("not json", to: "bad")
        do {
            _ = try await client.pop(from: "bad", as: Job.self)
            XCTFail("decoded garbage")
        } catch let error as RedisClientError {
            guard case .decoding(let key, let type, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "bad")
            XCTAssertEqual(type, "Job")
        }
    }

    func testBlockingPopTimesOutWithNil() async throws {
        let start = Date()
        let value = try await client.pop(from: "empty", timeout: .milliseconds(600), as: String.self)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertNil(value)
        XCTAssertGreaterThanOrEqual(elapsed, 0.55)
        XCTAssertLessThan(elapsed, 2.0)
    }

    func testBlockingPopReceivesALaterPush() async throws {
        let client = self.client!
        async let popped = client.pop(from: "later", timeout: .seconds(5), as: String.self)
        try await Task.sleep(for: .milliseconds(200))
        try await client.push("hello", to: "later")
        let start = Date()
        let value = try await popped
        XCTAssertEqual(value, "hello")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }

    func testCancellingABlockingPopEndsItAndThePoolCarriesOn() async throws {
        let client = self.client!
        let task = Task { try await client.pop(from: "never", timeout: .seconds(30), as: String.self) }
        try await Task.sleep(for: .milliseconds(200))
        let start = Date()
        task.cancel()
        do { _ = try await task.value; XCTFail("a cancelled pop returned") } catch is CancellationError {}
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
        try await client.push("still works", to: "after")
        try await assertEqual(try await client.pop(from: "after", as: String.self), "still works")
    }

    func testPeekClearMoveAndRemove() async throws {
        try await client.push(contentsOf: [1, 2, 3, 4], to: "nums")
        try await assertEqual(try await client.peek("nums", as: Int.self), [1, 2, 3, 4])
        try await assertEqual(try await client.peek("nums", from: 1, to: 2, as: Int.self), [2, 3])
        try await assertEqual(try await client.length(of: "nums"), 4, "peek takes nothing")
        try await assertEqual(try await client.move(from: "nums", to: "processing"), "1")
        try await assertEqual(try await client.peek("processing", as: Int.self), [1])
        try await assertEqual(try await client.remove("1", from: "processing"), 1)
        try await assertEqual(try await client.length(of: "processing"), 0)
        try await assertNil(try await client.move(from: "none", to: "processing", timeout: .milliseconds(100)))
        try await assertTrue(try await client.clear("nums"))
        try await assertEqual(try await client.length(of: "nums"), 0)
        try await assertFalse(try await client.clear("nums"))
    }
}
