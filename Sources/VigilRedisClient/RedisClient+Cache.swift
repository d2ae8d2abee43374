/// Cache: keys with values and an optional time to live.
extension RedisClient {
    /// Stores `value` under `key` (SET), expiring after `ttl` when given (millisecond precision).
    /// Strings are stored as they are, other values as JSON.
    public func set<T: Encodable>(_ key: String, to value: T, ttl: Duration? = nil) async throws {
        var command = ["SET", key, try RedisValueCoding.encode(value)]
        if let ttl {
            command += ["PX", String(max(1, Int((ttl.seconds * 1000).rounded())))]
        }
        _ = try await reply(command)
    }

    /// The value under `key` decoded as `type` (a `String` comes back as stored), or nil.
    /// - Throws: `RedisClientError.decoding` when the stored text is not a valid `type`.
    public func get<T: Decodable>(_ key: String, as type: T.Type = T.self) async throws -> T? {
        let r = try await reply(["GET", key])
        switch r {
        case .null: return nil
        case .string(let text): return try RedisValueCoding.decode(text, as: T.self, from: key)
        default: throw RedisClientError.unexpectedReply(command: "GET", reply: r)
        }
    }

    /// True when `key` exists.
    public func exists(_ key: String) async throws -> Bool {
        try await integer(["EXISTS", key]) > 0
    }

    /// Deletes `keys` (DEL); returns how many existed.
    @discardableResult
    public func delete(_ keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await integer(["DEL"] + keys)
    }

    /// Deletes the given keys; returns how many existed.
    @discardableResult
    public func delete(_ keys: String...) async throws -> Int { try await delete(keys) }

    /// How long `key` still lives (PTTL); nil when it does not exist or never expires.
    public func timeToLive(_ key: String) async throws -> Duration? {
        let ms = try await integer(["PTTL", key])
        return ms >= 0 ? .milliseconds(ms) : nil
    }

    /// Sets `key` to expire after `ttl` (PEXPIRE); false when it does not exist.
    @discardableResult
    public func expire(_ key: String, after ttl: Duration) async throws -> Bool {
        try await integer(["PEXPIRE", key, String(max(1, Int((ttl.seconds * 1000).rounded())))]) == 1
    }
}
