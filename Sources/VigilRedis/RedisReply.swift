/// A reply from Redis.
public enum RedisReply: Sendable, Equatable {
    /// A status reply, e.g. `OK` or `PONG`.
    case status(String)
    /// A bulk string.
    case string(String)
    /// An integer.
    case integer(Int)
    /// An array (of replies).
    case array([RedisReply])
    /// A null bulk string or null array.
    case null
    /// An error reply, e.g. `WRONGTYPE …`.
    case error(String)

    /// The text of a status, string or integer reply.
    public var text: String? {
        switch self {
        case .status(let s), .string(let s): return s
        case .integer(let i): return String(i)
        default: return nil
        }
    }
}
