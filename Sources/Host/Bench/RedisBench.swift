import ArgumentParser
import Foundation
import Logging
import VigilRedis
import VigilRedisClient
import VigilSupport

/// `vigil bench redis`: RPUSH, LPOP and PUBLISH through VigilRedisClient, checked from outside
/// (LLEN, every popped value once, a raw subscriber counting receipts), next to redis-benchmark
/// run on the same server with the same connections and pipelining.
struct RedisBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redis",
        abstract: "Push, pop and publish N values through the Redis client library; compare with redis-benchmark.")

    @Option(help: "Operations per phase.") var operations = 200_000
    @Option(help: "Pooled connections (redis-benchmark -c).") var connections = 4
    @Option(help: "Commands in flight per connection (redis-benchmark -P).") var pipeline = 16
    @Option(help: "Payload bytes (redis-benchmark -d).") var payload = 64
    @Flag(help: "Skip running redis-benchmark.") var noRedisBenchmark = false

    func run() async throws {
        var configuration = try RedisConfiguration(environment: ProcessInfo.processInfo.environment)
        configuration.poolSize = connections
        var logger = LogSetup.rootLogger()
        logger.logLevel = .warning
        let client = RedisClient(configuration: configuration, logger: logger)
        try await client.connect()
        let raw = try RedisConnection(host: configuration.host, port: configuration.port, database: configuration.database,
                                      password: configuration.password, username: configuration.username)
        let queue = "vigil-bench-redis-\(getpid())", channel = "vigil-bench-redis-\(getpid())"
        _ = try raw.command(["DEL", queue])
        let filler = String(repeating: "x", count: max(0, payload - 12))
        let inFlight = connections * pipeline
        print("in flight: \(inFlight) (\(connections) connections × \(pipeline)); \(operations) operations per phase; payload \(payload) B")

        // Push: values carry their index so the pop phase can check each comes out once.
        let pushSeconds = try await Self.timed(operations, concurrency: inFlight) { i in
            let digits = String(i)
            try await client.push(String(repeating: "0", count: 10 - digits.count) + digits + "|" + filler, to: queue)
        }
        let length = try raw.command(["LLEN", queue])
        guard length == .integer(operations) else { throw ValidationError("LLEN after push is \(length), expected \(operations)") }

        let seen = PoppedSet(count: operations)
        let popSeconds = try await Self.timed(operations, concurrency: inFlight) { _ in
            guard let value = try await client.pop(from: queue, as: String.self), let i = Int(value.prefix(10)) else {
                throw ValidationError("the queue ran dry early")
            }
            seen.insert(i)
        }
        let left = try raw.command(["LLEN", queue])
        guard seen.distinct == operations, seen.duplicates == 0, left == .integer(0) else {
            throw ValidationError("pop: \(seen.distinct) distinct, \(seen.duplicates) duplicates, \(left) left")
        }

        let subscriber = try ReceiptCounter(configuration: configuration, channel: channel)
        let receivers = ReceiverTally()
        let publishSeconds = try await Self.timed(operations, concurrency: inFlight) { i in
            receivers.add(try await client.publish(filler, to: channel))
        }
        let received = subscriber.wait(for: operations, timeout: 30)
        guard received == operations, receivers.total == operations else {
            throw ValidationError("publish: \(received) received by the subscriber, \(receivers.total) receipts reported, expected \(operations)")
        }
        await client.disconnect()
        print("checked: LLEN=\(operations) after push, \(operations) distinct values popped (0 duplicates, 0 left), \(received) messages received")

        if !noRedisBenchmark {
            try? RedisBenchmarkTool.run(configuration: configuration, operations: operations, connections: connections,
                                        pipeline: pipeline, payload: payload, channel: channel + "-tool")
        }
        print(String(format: "redis push_per_s=%.0f pop_per_s=%.0f publish_per_s=%.0f",
                     Double(operations) / pushSeconds, Double(operations) / popSeconds, Double(operations) / publishSeconds))
    }

    /// Runs `operation` for indexes 0..<count from `concurrency` tasks; returns the seconds taken.
    static func timed(_ count: Int, concurrency: Int,
                      _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let next = IndexCounter()
        let start = DispatchTime.now().uptimeNanoseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while let i = next.take(below: count) { try await operation(i) }
                }
            }
            try await group.waitForAll()
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
