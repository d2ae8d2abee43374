/// A hiredis failure, with hiredis's or the server's message.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    /// What failed, so callers can tell a refused password from a dead server.
    public enum Kind: Sendable, Equatable {
        /// The TCP connection could not be made (refused, unreachable, connect timeout).
        case connect
        /// The server refused AUTH (wrong password or user), or demands one (NOAUTH).
        case authentication
        /// The server refused SELECT (no such database number).
        case database
        /// A read or write on an open connection failed (EOF, reset, broken pipe).
        case io
        /// No reply came within the read timeout.
        case timeout
        /// The server answered with an error reply.
        case server
    }

    /// What we were doing, e.g. "connect" or "PUBLISH".
    public let operation: String
    /// The message.
    public let message: String
    /// True when the connection is broken (I/O, EOF), false for a server error reply.
    public let connectionLost: Bool
    /// What kind of failure this is.
    public let kind: Kind

    /// Creates an error; `kind` defaults to `.io` when the connection is lost, `.server` otherwise.
    public init(operation: String, message: String, connectionLost: Bool, kind: Kind? = nil) {
        self.operation = operation; self.message = message; self.connectionLost = connectionLost
        self.kind = kind ?? (connectionLost ? .io : .server)
    }

    public var description: String { "Redis \(operation) failed: \(message)" }
}
