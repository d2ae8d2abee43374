import VigilRedis

/// A hiredis or server failure underneath a `RedisClientError` (kind, operation and message).
public typealias RedisError = VigilRedis.RedisError
/// A raw reply from Redis, as `RedisClient.send(_:)` returns it.
public typealias RedisReply = VigilRedis.RedisReply

/// Why a `RedisClient` call failed. Each case says what was being done and keeps the cause.
public enum RedisClientError: Error, CustomStringConvertible, Sendable {
    /// The client is not connected: `connect()` was not called (or `disconnect()` was).
    case notConnected
    /// Connecting failed `attempts` times; `cause` is the last failure.
    case connectFailed(address: String, attempts: Int, cause: RedisError)
    /// The server refused the password (or user), or requires one that was not given.
    case authenticationFailed(address: String, cause: RedisError)
    /// The server has no database with this number.
    case invalidDatabase(address: String, database: Int, cause: RedisError)
    /// The connection broke while `command` was sent or its reply awaited; it may or may not
    /// have run. The pool reconnects by itself.
    case connectionLost(command: String, cause: RedisError)
    /// The server answered `command` with an error reply.
    case server(command: String, message: String)
    /// The server's reply to `command` was not of the expected shape.
    case unexpectedReply(command: String, reply: RedisReply)
    /// A value could not be encoded as JSON.
    case encoding(type: String, message: String)
    /// The value stored at `key` could not be decoded as `type`.
    case decoding(key: String, type: String, message: String)
    /// The client was disconnected while the request waited.
    case disconnected
    /// The operating system refused a resource (a pipe, a thread).
    case system(operation: String, message: String)
    /// The call's arguments cannot be sent (e.g. a subscription to nothing).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .notConnected:
            return "Redis client is not connected: call connect() first"
        case .connectFailed(let address, let attempts, let cause):
            return "cannot connect to Redis at \(address) after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(cause.message)"
        case .authenticationFailed(let address, let cause):
            return "Redis at \(address) refused authentication: \(cause.message)"
        case .invalidDatabase(let address, let database, let cause):
            return "Redis at \(address) has no database \(database): \(cause.message)"
        case .connectionLost(let command, let cause):
            return "Redis connection lost during \(command): \(cause.message)"
        case .server(let command, let message):
            return "Redis refused \(command): \(message)"
        case .unexpectedReply(let command, let reply):
            return "Redis answered \(command) with an unexpected reply: \(reply)"
        case .encoding(let type, let message):
            return "cannot encode a \(type) as JSON for Redis: \(message)"
        case .decoding(let key, let type, let message):
            return "the Redis value at \(key) is not a valid \(type): \(message)"
        case .disconnected:
            return "Redis client was disconnected before the request ran"
        case .system(let operation, let message):
            return "Redis client could not \(operation): \(message)"
        case .invalidArgument(let message):
            return "invalid Redis call: \(message)"
        }
    }
}
