import Foundation
import PluginAPI
import VigilConfig

/// How the host delivers events to one sink: its queue, concurrency, retries and dead-letter file.
/// Read from the sink's `delivery` object in plugins.json; every key is optional.
package struct DeliveryPolicy: Sendable, Equatable {
    /// Events held in memory for the sink; beyond it the sink catches up from PostgreSQL later.
    var queueCapacity = 10_000
    /// Deliveries in flight at once.
    package var concurrency = 4
    /// Attempts per event, the first included, before it goes to the dead-letter file.
    package var maxAttempts = 8
    /// Full-jitter exponential backoff: attempt n waits a random time in [0, min(cap, base * 2^(n-1))].
    var backoffBase: Duration = .milliseconds(500)
    var backoffCap: Duration = .seconds(60)
    /// The longest `Retry-After` honoured; longer answers are cut to this.
    var retryAfterCap: Duration = .seconds(3600)
    /// JSON lines of events that exhausted their attempts or failed for good.
    package var deadLetterPath: String
    /// After a restart or an overflow, events older than this are not delivered, only counted.
    var maxCatchUpAge: Double = 86_400

    init(deadLetterPath: String) { self.deadLetterPath = deadLetterPath }

    /// Reads `entry.delivery` of `config`; relative paths resolve against the folder of plugins.json.
    package static func read(_ entry: PluginEntry, in config: HostConfig, environment: [String: String]) throws -> DeliveryPolicy {
        let file = config.file
        var policy = DeliveryPolicy(deadLetterPath: HostConfig.resolve(
            "\(environment["DEAD_LETTER_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "dead-letter")/\(entry.name).jsonl",
            in: FileManager.default.currentDirectoryPath))
        var r = try ConfigReader(entry.delivery, file: file, path: "\(entry.path).delivery", environment: environment)
        policy.queueCapacity = try r.int("queue_capacity", default: policy.queueCapacity, range: 1...10_000_000)
        policy.concurrency = try r.int("concurrency", default: policy.concurrency, range: 1...1024)
        policy.maxAttempts = try r.int("max_attempts", default: policy.maxAttempts, range: 1...1000)
        policy.backoffBase = .milliseconds(try r.int("backoff_base_ms", default: 500, range: 1...3_600_000))
        policy.backoffCap = .milliseconds(try r.int("backoff_cap_ms", default: 60_000, range: 1...86_400_000))
        policy.retryAfterCap = .seconds(try r.int("retry_after_cap_s", default: 3600, range: 0...86_400))
        policy.maxCatchUpAge = try r.number("max_catch_up_age_s", default: policy.maxCatchUpAge, range: 0...1e9)!
        if let path = try r.optionalString("dead_letter") { policy.deadLetterPath = HostConfig.resolve(path, in: config.baseDir) }
        if policy.backoffCap < policy.backoffBase {
            throw r.error("backoff_cap_ms", "expected at least backoff_base_ms")
        }
        if let unknown = r.unknownKeys().first { throw ConfigError(file: file, path: unknown, message: "unknown delivery setting") }
        return policy
    }

    /// The wait before attempt `attempt + 1` after attempt `attempt` failed (attempt ≥ 1), full jitter:
    /// uniform in [0, min(cap, base · 2^(attempt−1))]. `random` returns a value in [0, 1).
    func backoff(afterAttempt attempt: Int, random: () -> Double = { Double.random(in: 0..<1) }) -> Duration {
        let ceiling = min(backoffCap.inSeconds, backoffBase.inSeconds * pow(2, Double(min(attempt - 1, 60))))
        return .microseconds(Int64(ceiling * random() * 1e6))
    }

    /// The wait a sink asked for (`Retry-After`), capped; nil when it did not ask.
    func honoured(_ retryAfter: Duration?) -> Duration? {
        retryAfter.map { min(max($0, .zero), retryAfterCap) }
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
