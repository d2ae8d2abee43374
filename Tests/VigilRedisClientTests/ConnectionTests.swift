import Foundation
import VigilRedisClient
import XCTest

/// Connecting and disconnecting: use before connect(), nothing listening, wrong password or
/// database, a clean disconnect that wakes a blocking pop, connecting again.
final class ConnectionTests: XCTestCase {
    func testUseBeforeConnectIsAClearError() async throws {
        let client = RedisClient(configuration: RedisConfiguration(port: try RedisServer.freePort()), logger: LogCapture().logger())
        do {
            try await client.push("x", to: "q")
            XCTFail("pushed without a connection")
        } catch let error as RedisClientError {
            guard case .notConnected = error else { return XCTFail("\(error)") }
            XCTAssertEqual("\(error)", "Redis client is not connected: call connect() first")
        }
        let health = await client.healthCheck()
        XCTAssertEqual(health.status, "unhealthy")
    }

    func testNothingListeningRetriesThenFails() async throws {
        let port = try RedisServer.freePort()
        var configuration = RedisConfiguration(port: port)
        configuration.retry = RedisRetryPolicy(attempts: 4, base: .milliseconds(100), cap: .milliseconds(200))
        let logs = LogCapture()
        let client = RedisClient(configuration: configuration, logger: logs.logger())
        let start = Date()
        do {
            try await client.connect()
            XCTFail("connected to nothing")
        } catch let error as RedisClientError {
            guard case .connectFailed(let address, let attempts, let cause) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(address, "127.0.0.1:\(port)/0")
            XCTAssertEqual(attempts, 4)
            XCTAssertEqual(cause.kind, .connect)
            XCTAssertTrue("\(error)".hasPrefix("cannot connect to Redis at 127.0.0.1:\(port)/0 after 4 attempts: "), "\(error)")
            XCTAssertTrue("\(error)".contains("refused"), "\(error)")
        }
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(elapsed, 0.45, "waited 100 + 200 + 200 ms between the 4 attempts")
        XCTAssertLessThan(elapsed, 3)
        XCTAssertGreaterThanOrEqual(logs.count("Redis connect failed, retrying"), 3)
        XCTAssertFalse(client.isConnected)
    }

    func testWrongPasswordAndMissingPassword() async throws {
        let server = try RedisServer(password: "right")
        let wrong = try makeClient(server, password: "wrong")
        do { try await wrong.connect(); XCTFail("wrong password accepted") } catch let error as RedisClientError {
            guard case .authenticationFailed = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("refused authentication: WRONGPASS"), "\(error)")
        }
        var none = try RedisConfiguration(url: "redis://127.0.0.1:\(server.port)/0")
        none.retry.attempts = 1
        let missing = RedisClient(configuration: none, logger: LogCapture().logger())
        do { try await missing.connect(); XCTFail("no password accepted") } catch let error as RedisClientError {
            guard case .authenticationFailed = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("NOAUTH"), "\(error)")
        }
        let right = try makeClient(server)
        try await right.connect()
        try await assertTrue(await right.healthCheck().isHealthy)
        await right.disconnect()
    }

    func testWrongDatabaseNumber() async throws {
        let server = try RedisServer()
        let client = try makeClient(server, database: 99)
        let start = Date()
        do { try await client.connect(); XCTFail("database 99 accepted") } catch let error as RedisClientError {
            guard case .invalidDatabase(_, let database, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(database, 99)
            XCTAssertTrue("\(error)".contains("has no database 99: ERR DB index is out of range"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1, "not retried")
        let other = try makeClient(server, database: 3)
        try await other.connect()
        try await other.set("in3", to: "yes")
        XCTAssertEqual(try server.raw(database: 3).command(["GET", "in3"]), .string("yes"))
        XCTAssertEqual(try server.raw(database: 0).command(["EXISTS", "in3"]), .integer(0))
        await other.disconnect()
    }

    func testDisconnectWakesABlockingPopAndConnectWorksAgain() async throws {
        let server = try RedisServer()
        let client = try makeClient(server, poolSize: 2) { $0.clientName = "lifecycle" }
        try await client.connect()
        let popper = Task { try await client.pop(from: "never", timeout: .seconds(30), as: String.self) }
        try await Task.sleep(for: .milliseconds(200))
        let start = Date()
        await client.disconnect()
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        do { _ = try await popper.value; XCTFail("the pop survived disconnect") } catch let error as RedisClientError {
            guard case .disconnected = error else { return XCTFail("\(error)") }
        }
        let raw = try server.raw()
        try await assertTrue(await eventually { (try? raw.command(["CLIENT", "LIST"]).text?.contains("name=lifecycle")) == false },
                      "every connection closed")
        do { try await client.push("x", to: "q"); XCTFail("used after disconnect") } catch RedisClientError.notConnected {}
        try await client.connect()
        try await client.push("again", to: "q")
        try await assertEqual(try await client.pop(from: "q", as: String.self), "again")
        await client.disconnect()
    }
}
