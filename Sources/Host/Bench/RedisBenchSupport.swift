import Foundation
import VigilRedis
import VigilRedisClient

/// Hands out indexes 0, 1, 2… to the benchmark's tasks, `count` at a time.
final class IndexCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func take(_ count: Int = 1, below limit: Int) -> Range<Int>? {
        lock.lock(); defer { lock.unlock() }
        guard next < limit else { return nil }
        let range = next..<min(limit, next + count)
        next = range.upperBound
        return range
    }
}

/// Which pushed values came back out of the queue, and how many twice.
final class PoppedSet: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [Bool]
    private(set) var distinct = 0, duplicates = 0
    init(count: Int) { seen = Array(repeating: false, count: count) }
    func insert(_ i: Int) {
        lock.lock(); defer { lock.unlock() }
        guard i >= 0, i < seen.count, !seen[i] else { duplicates += 1; return }
        seen[i] = true; distinct += 1
    }
}

/// Sums PUBLISH's receiver counts.
final class ReceiverTally: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = 0
    func add(_ n: Int) { lock.lock(); sum += n; lock.unlock() }
    var total: Int { lock.lock(); defer { lock.unlock() }; return sum }
}

/// A subscriber outside the client under test: a raw connection on its own thread counting messages.
final class ReceiptCounter: @unchecked Sendable {
    private let connection: RedisConnection
    private let lock = NSCondition()
    private var count = 0
    private var target = Int.max

    init(configuration: RedisConfiguration, channel: String) throws {
        connection = try RedisConnection(host: configuration.host, port: configuration.port, database: configuration.database,
                                         password: configuration.password, username: configuration.username)
        _ = try connection.command(["SUBSCRIBE", channel])
        let thread = Thread { [self] in
            while case .reply(let reply)? = try? connection.readReply(timeout: 60) {
                if case .array(let parts) = reply, parts.first == .string("message") {
                    // Wakes the waiter only once its count is reached, not for every message
                    // (this thread shares the CPUs with the client under test).
                    lock.lock(); count += 1; if count >= target { lock.broadcast() }; lock.unlock()
                }
            }
        }
        thread.start()
    }

    /// Waits until `expected` messages arrived or `timeout` seconds passed without a new one.
    func wait(for expected: Int, timeout: Double) -> Int {
        lock.lock(); defer { lock.unlock() }
        target = expected
        while count < expected {
            let before = count
            if !lock.wait(until: Date(timeIntervalSinceNow: timeout)) && count == before { break }
        }
        connection.interrupt()
        return count
    }
}

/// redis-benchmark on the same server, with the same connections (-c), pipelining (-P) and
/// payload (-d), and like ours a subscriber on its PUBLISH channel; prints its requests per second
/// for RPUSH, LPOP and PUBLISH.
enum RedisBenchmarkTool {
    static func run(configuration: RedisConfiguration, operations: Int, connections: Int, pipeline: Int,
                    payload: Int, channel: String) throws -> RedisBenchRates {
        var common = ["-h", configuration.host, "-p", String(configuration.port), "--dbnum", String(configuration.database),
                      "-n", String(operations), "-c", String(connections), "-P", String(pipeline), "-d", String(payload), "--csv"]
        if let password = configuration.password { common += ["-a", password] }
        if let user = configuration.username { common += ["--user", user] }
        let lists = try output(common + ["-t", "rpush,lpop"])
        // A subscriber on redis-benchmark's channel too, so the server delivers each of its messages
        // as it does ours (a PUBLISH nobody listens to costs the server far less).
        let subscriber = try ReceiptCounter(configuration: configuration, channel: channel)
        let publish = try output(common + ["PUBLISH", channel, String(repeating: "x", count: payload)])
        let received = subscriber.wait(for: operations, timeout: 5)
        func rps(_ csv: String, _ test: String) -> Double {
            for line in csv.split(separator: "\n") {
                let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                if fields.count > 1, fields[0].uppercased().hasPrefix(test) { return Double(fields[1]) ?? 0 }
            }
            return 0
        }
        let rates = RedisBenchRates(push: rps(lists, "RPUSH"), pop: rps(lists, "LPOP"), publish: rps(publish, "PUBLISH"))
        print("redis-benchmark -c \(connections) -P \(pipeline) -d \(payload) -n \(operations): "
              + rates.line.replacingOccurrences(of: "push_per_s", with: "rpush_per_s").replacingOccurrences(of: "pop_per_s", with: "lpop_per_s")
              + " (its subscriber received \(received) messages)")
        return rates
    }

    private static func output(_ args: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-benchmark"] + args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
