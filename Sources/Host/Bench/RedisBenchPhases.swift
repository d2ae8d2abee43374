import ArgumentParser
import Foundation
import VigilRedis
import VigilRedisClient

/// The three timed phases of `vigil bench redis` (RPUSH, LPOP, PUBLISH) for one way of calling
/// the client, each checked from outside the client: LLEN after the pushes, every pushed value
/// popped exactly once and the list empty, a raw subscriber receiving every message and PUBLISH's
/// receiver counts adding up. A failed check throws (the command exits 1).
struct RedisBenchPhases {
    enum Mode: String { case calls, pipelined }

    let client: RedisClient
    let configuration: RedisConfiguration
    let operations: Int, connections: Int, pipeline: Int, payload: Int

    func run(_ mode: Mode) async throws -> RedisBenchRates {
        let raw = try RedisConnection(host: configuration.host, port: configuration.port, database: configuration.database,
                                      password: configuration.password, username: configuration.username)
        let queue = "vigil-bench-redis-\(getpid())-\(mode)", channel = queue
        _ = try raw.command(["DEL", queue])
        // Every value is exactly `payload` bytes: its 10-digit index, "|", filler.
        let filler = String(repeating: "x", count: payload - 11)
        let message = String(repeating: "x", count: payload)
        @Sendable func value(_ i: Int) -> String {
            let digits = String(i)
            return String(repeating: "0", count: 10 - digits.count) + digits + "|" + filler
        }

        let pushSeconds = try await timed(mode, single: { i in
            _ = try await client.push(value(i), to: queue)
        }, batch: { range in
            let replies = try await client.pipeline(range.map { ["RPUSH", queue, value($0)] })
            for reply in replies { guard case .integer = reply else { throw ValidationError("RPUSH answered \(reply)") } }
        })
        let length = try raw.command(["LLEN", queue])
        guard length == .integer(operations) else { throw ValidationError("\(mode): LLEN after push is \(length), expected \(operations)") }

        let seen = PoppedSet(count: operations)
        @Sendable func record(_ text: String?) throws {
            guard let text, let i = Int(text.prefix(10)) else { throw ValidationError("\(mode): the queue ran dry early") }
            seen.insert(i)
        }
        let popSeconds = try await timed(mode, single: { _ in
            try record(try await client.pop(from: queue, as: String.self))
        }, batch: { range in
            for reply in try await client.pipeline(Array(repeating: ["LPOP", queue], count: range.count)) { try record(reply.text) }
        })
        let left = try raw.command(["LLEN", queue])
        guard seen.distinct == operations, seen.duplicates == 0, left == .integer(0) else {
            throw ValidationError("\(mode) pop: \(seen.distinct) distinct, \(seen.duplicates) duplicates, \(left) left")
        }

        let subscriber = try ReceiptCounter(configuration: configuration, channel: channel)
        let receivers = ReceiverTally()
        let publishSeconds = try await timed(mode, single: { _ in
            receivers.add(try await client.publish(message, to: channel))
        }, batch: { range in
            for reply in try await client.pipeline(Array(repeating: ["PUBLISH", channel, message], count: range.count)) {
                guard case .integer(let n) = reply else { throw ValidationError("PUBLISH answered \(reply)") }
                receivers.add(n)
            }
        })
        let received = subscriber.wait(for: operations, timeout: 30)
        guard received == operations, receivers.total == operations else {
            throw ValidationError("\(mode) publish: \(received) received by the subscriber, \(receivers.total) receipts reported, expected \(operations)")
        }
        print("\(mode) checked: LLEN=\(operations) after push, \(operations) distinct values popped (0 duplicates, 0 left), \(received) messages received")
        return RedisBenchRates(push: Double(operations) / pushSeconds, pop: Double(operations) / popSeconds,
                               publish: Double(operations) / publishSeconds)
    }

    /// Runs indexes 0..<operations: `.calls` from `connections × pipeline` tasks one at a time,
    /// `.pipelined` from `connections` tasks `pipeline` at a time. Returns the seconds taken.
    private func timed(_ mode: Mode, single: @escaping @Sendable (Int) async throws -> Void,
                       batch: @escaping @Sendable (Range<Int>) async throws -> Void) async throws -> Double {
        let next = IndexCounter()
        let (tasks, size) = mode == .calls ? (connections * pipeline, 1) : (connections, pipeline)
        let total = operations
        let start = DispatchTime.now().uptimeNanoseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    while let range = next.take(size, below: total) {
                        if mode == .calls { try await single(range.lowerBound) } else { try await batch(range) }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
