/// A libpq failure, with libpq's own message.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What we were doing, e.g. "connect" or "insert events".
    public let operation: String
    /// libpq's or the server's message.
    public let message: String
    /// The SQLSTATE code, when the server sent one.
    public let sqlState: String?
    /// True when the connection itself is broken (server gone, or no answer in time), not just the statement.
    public let connectionLost: Bool

    /// Creates an error (for callers that detect a problem in a result).
    public init(operation: String, message: String, sqlState: String?, connectionLost: Bool) {
        self.operation = operation; self.message = message; self.sqlState = sqlState; self.connectionLost = connectionLost
    }

    /// True when trying again later may succeed: the connection was lost or timed out, or the server
    /// is short of something for now (disk, memory, connections), shutting down, cancelled the
    /// statement (statement_timeout), or is a read-only standby. False when the server refused the
    /// statement for what it contains (bad data, constraint, syntax): trying again gives the same answer.
    public var isTransient: Bool {
        if connectionLost { return true }
        guard let state = sqlState else { return false }
        return ["08", "53", "57", "58", "40"].contains(String(state.prefix(2))) || ["25006", "55P03"].contains(state)
    }

    public var description: String {
        "PostgreSQL \(operation) failed: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }
}
