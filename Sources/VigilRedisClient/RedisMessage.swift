/// One message received by a subscription.
public struct RedisMessage: Sendable, Equatable {
    /// The channel it was published on.
    public let channel: String
    /// The pattern that matched, for pattern subscriptions; nil for channel subscriptions.
    public let pattern: String?
    /// The payload as published.
    public let payload: String

    /// A message; subscriptions create these.
    public init(channel: String, pattern: String? = nil, payload: String) {
        self.channel = channel; self.pattern = pattern; self.payload = payload
    }

    /// The payload decoded from JSON as `type` (a `String` comes back as published).
    /// - Throws: `RedisClientError.decoding` naming the channel.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try RedisValueCoding.decode(payload, as: T.self, from: channel)
    }
}
