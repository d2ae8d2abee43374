import Foundation

/// Queues: Redis lists used first in, first out (RPUSH at the tail, LPOP/BLPOP at the head).
extension RedisClient {
    /// Appends `value` to the tail of `queue` (RPUSH); returns the queue's new length.
    /// Strings are stored as they are, other values as JSON.
    @discardableResult
    public func push<T: Encodable>(_ value: T, to queue: String) async throws -> Int {
        try await integer(["RPUSH", queue, try RedisValueCoding.encode(value)])
    }

    /// Appends `values`, in order, with one RPUSH; returns the queue's new length.
    @discardableResult
    public func push<T: Encodable>(contentsOf values: [T], to queue: String) async throws -> Int {
        guard !values.isEmpty else { return try await length(of: queue) }
        return try await integer(["RPUSH", queue] + values.map { try RedisValueCoding.encode($0) })
    }

    /// Takes the value at the head of `queue`. With no `timeout` (or zero) it does not wait
    /// (LPOP) and returns nil when the queue is empty; with a positive `timeout` it waits up to
    /// that long for a value (BLPOP) and returns nil when none came. A blocking pop holds one
    /// pooled connection while it waits; cancelling the calling task ends the wait.
    public func pop<T: Decodable>(from queue: String, timeout: Duration? = nil, as type: T.Type = T.self) async throws -> T? {
        let text: String?
        if let timeout, timeout > .zero {
            let seconds = max(0.001, timeout.seconds)
            let r = try await reply(["BLPOP", queue, Self.decimal(seconds)], blockingSeconds: seconds)
            switch r {
            case .null: text = nil
            case .array(let pair) where pair.count == 2: text = pair[1].text
            default: throw RedisClientError.unexpectedReply(command: "BLPOP", reply: r)
            }
        } else {
            text = try await reply(["LPOP", queue]).text
        }
        return try text.map { try RedisValueCoding.decode($0, as: T.self, from: queue) }
    }

    /// How many values wait in `queue` (LLEN).
    public func length(of queue: String) async throws -> Int {
        try await integer(["LLEN", queue])
    }

    /// The values of `queue` from index `start` to `stop` inclusive, without taking them (LRANGE;
    /// negative indexes count from the tail, so `peek(q)` is the whole queue).
    public func peek<T: Decodable>(_ queue: String, from start: Int = 0, to stop: Int = -1,
                                   as type: T.Type = T.self) async throws -> [T] {
        let r = try await reply(["LRANGE", queue, String(start), String(stop)])
        guard case .array(let items) = r else { throw RedisClientError.unexpectedReply(command: "LRANGE", reply: r) }
        return try items.map { try RedisValueCoding.decode($0.text ?? "", as: T.self, from: queue) }
    }

    /// Empties `queue` (DEL); returns true when it held anything.
    @discardableResult
    public func clear(_ queue: String) async throws -> Bool {
        try await integer(["DEL", queue]) > 0
    }

    /// Moves the head of `source` to the tail of `destination` atomically and returns it as
    /// stored (LMOVE; BLMOVE waiting up to a positive `timeout`). The building block of a
    /// reliable queue: take a job into a processing list, remove it (`remove`) once done.
    public func move(from source: String, to destination: String, timeout: Duration? = nil) async throws -> String? {
        if let timeout, timeout > .zero {
            let seconds = max(0.001, timeout.seconds)
            return try await reply(["BLMOVE", source, destination, "LEFT", "RIGHT", Self.decimal(seconds)],
                                   blockingSeconds: seconds).text
        }
        return try await reply(["LMOVE", source, destination, "LEFT", "RIGHT"]).text
    }

    /// Removes up to `count` occurrences of exactly `value` (as stored) from `queue` (LREM, from
    /// the head; `count` 0 removes all); returns how many were removed.
    @discardableResult
    public func remove(_ value: String, from queue: String, count: Int = 1) async throws -> Int {
        try await integer(["LREM", queue, String(count), value])
    }

    /// Seconds as Redis reads them ("0.25", "5").
    static func decimal(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.3f", seconds)
    }
}
