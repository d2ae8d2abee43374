import Foundation
import VigilRedisClient
import XCTest

/// The pool under load: 50 concurrent tasks over 4 connections, every reply to its own caller.
final class PoolTests: XCTestCase {
    func testFiftyConcurrentTasks() async throws {
        let server = try RedisServer()
        let client = try makeClient(server, poolSize: 4) { $0.clientName = "pool-test" }
        try await client.connect()
        let tasks = 50, perTask = 200
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    for i in 0..<perTask {
                        let key = "k:\(t):\(i)"
                        try await client.set(key, to: "\(t)-\(i)")
                        // Each caller gets its own reply back, even when calls share a pipeline.
                        let value = try await client.get(key, as: String.self)
                        XCTAssertEqual(value, "\(t)-\(i)")
                        try await client.send("INCR", "total")
                        try await client.push(i, to: "list:\(t)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let raw = try server.raw()
        XCTAssertEqual(try raw.command(["GET", "total"]), .string(String(tasks * perTask)))
        XCTAssertEqual(try raw.command(["DBSIZE"]), .integer(tasks * perTask + 1 + tasks))
        for t in [0, 17, 49] {
            // Each task's pushes arrive in its own order.
            try await assertEqual(try await client.peek("list:\(t)", as: Int.self), Array(0..<perTask))
        }
        let clients = try raw.command(["CLIENT", "LIST"]).text ?? ""
        XCTAssertEqual(clients.components(separatedBy: "name=pool-test ").count - 1, 4, "exactly the pool's connections")
        await client.disconnect()
    }
}
