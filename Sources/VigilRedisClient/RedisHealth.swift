/// The outcome of `RedisClient.healthCheck()`, with the keys of the design document
/// (`status`, `connected`, `redis_version`, and `error` when unhealthy).
public struct RedisHealth: Codable, Sendable, Equatable {
    /// `healthy` when Redis answered PING, `unhealthy` otherwise.
    public var status: String
    /// Whether Redis answered.
    public var connected: Bool
    /// The server's version from `INFO server` (e.g. `7.0.15`); nil when unhealthy.
    public var redisVersion: String?
    /// Why it is unhealthy; nil when healthy.
    public var error: String?

    /// True when `status` is `healthy`.
    public var isHealthy: Bool { status == "healthy" }

    /// A health report.
    public init(status: String, connected: Bool, redisVersion: String? = nil, error: String? = nil) {
        self.status = status; self.connected = connected; self.redisVersion = redisVersion; self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case status, connected, redisVersion = "redis_version", error
    }
}

extension RedisClient {
    /// PINGs Redis and reads its version (`INFO server`) through the pool; never throws.
    public func healthCheck() async -> RedisHealth {
        do {
            let replies = try await execute([["PING"], ["INFO", "server"]])
            guard replies[0] == .status("PONG") else {
                return RedisHealth(status: "unhealthy", connected: true, error: "PING answered \(replies[0])")
            }
            let info = replies[1].text ?? ""
            let version = info.split(whereSeparator: \.isNewline)
                .first { $0.hasPrefix("redis_version:") }
                .map { String($0.dropFirst("redis_version:".count)) }
            return RedisHealth(status: "healthy", connected: true, redisVersion: version)
        } catch {
            return RedisHealth(status: "unhealthy", connected: false, error: "\(error)")
        }
    }
}
