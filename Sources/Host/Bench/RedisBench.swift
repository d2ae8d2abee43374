import ArgumentParser
import Foundation
import Logging
import VigilRedis
import VigilRedisClient
import VigilSupport

/// `vigil bench redis`: RPUSH, LPOP and PUBLISH through VigilRedisClient, checked from outside
/// (LLEN, every popped value once, a raw subscriber counting receipts), next to redis-benchmark
/// run on the same server with the same connections and pipelining.
///
/// Two ways of calling the client, each over all three phases:
/// - **calls**: `connections × pipeline` tasks each awaiting one call at a time (`push`, `pop`,
///   `publish`); the pool pipelines the concurrent calls itself.
/// - **pipelined**: `connections` tasks each sending `pipeline` commands with one `pipeline(_:)`
///   call and waiting for all their replies before the next batch — what `redis-benchmark -c
///   connections -P pipeline` does, so this is the like-for-like comparison (the last line).
struct RedisBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redis",
        abstract: "Push, pop and publish N values through the Redis client library; compare with redis-benchmark.")

    @Option(help: "Operations per phase.") var operations = 200_000
    @Option(help: "Pooled connections (redis-benchmark -c).") var connections = 4
    @Option(help: "Commands in flight per connection (redis-benchmark -P).") var pipeline = 16
    @Option(help: "Payload bytes (redis-benchmark -d), at least 11.") var payload = 64
    @Flag(help: "Skip running redis-benchmark.") var noRedisBenchmark = false

    func validate() throws {
        guard operations > 0, connections > 0, pipeline > 0 else { throw ValidationError("operations, connections and pipeline must be positive") }
        guard payload >= 11 else { throw ValidationError("--payload must be at least 11 bytes (a value carries its 10-digit index)") }
    }

    func run() async throws {
        var configuration = try RedisConfiguration(environment: ProcessInfo.processInfo.environment)
        configuration.poolSize = connections
        var logger = LogSetup.rootLogger()
        logger.logLevel = .warning
        let client = RedisClient(configuration: configuration, logger: logger)
        try await client.connect()
        print("in flight: \(connections * pipeline) (\(connections) connections × \(pipeline)); \(operations) operations per phase; payload \(payload) B")
        let phases = RedisBenchPhases(client: client, configuration: configuration, operations: operations,
                                      connections: connections, pipeline: pipeline, payload: payload)
        let calls = try await phases.run(.calls)
        print("calls (one awaited call per task, \(connections * pipeline) tasks): " + calls.line)
        let pipelined = try await phases.run(.pipelined)
        print("pipelined (\(connections) tasks × pipeline(\(pipeline) commands)): " + pipelined.line)
        await client.disconnect()

        if !noRedisBenchmark, let tool = try? RedisBenchmarkTool.run(
            configuration: configuration, operations: operations, connections: connections,
            pipeline: pipeline, payload: payload, channel: "vigil-bench-redis-\(getpid())-tool") {
            print("share of redis-benchmark: calls " + calls.share(of: tool) + "; pipelined " + pipelined.share(of: tool))
        }
        print("redis " + pipelined.line)
    }
}

/// Rates of one way of calling, per second.
struct RedisBenchRates {
    var push: Double, pop: Double, publish: Double
    var line: String { String(format: "push_per_s=%.0f pop_per_s=%.0f publish_per_s=%.0f", push, pop, publish) }
    func share(of tool: RedisBenchRates) -> String {
        func pct(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.0f%%", 100 * a / b) : "?" }
        return "push \(pct(push, tool.push)) pop \(pct(pop, tool.pop)) publish \(pct(publish, tool.publish))"
    }
}
