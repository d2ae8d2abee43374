/// How long a connection waits for PostgreSQL. A server that is down answers at once (connection
/// refused); these bound the waits for one that does not answer at all (a host whose packets vanish).
public struct PostgresTimeouts: Sendable, Equatable {
    /// Seconds to establish a connection (libpq's `connect_timeout`, unless the URL sets its own); 0: no limit.
    public var connect: Int
    /// The server's `statement_timeout` in seconds: it cancels a statement running longer; 0: no limit.
    public var statement: Double
    /// Seconds to wait for any answer before the connection is given up as lost (client side, so it
    /// holds when nothing reaches the server at all); nil: wait forever.
    public var answer: Double?

    public init(connect: Int, statement: Double, answer: Double?) {
        self.connect = connect; self.statement = statement; self.answer = answer
    }

    /// vigil's: connect within 3 s, statements end within 5 s on the server, any answer within 7 s.
    public static let standard = PostgresTimeouts(connect: 3, statement: 5, answer: 7)
    /// No limits (libpq's defaults): for tools and one-off bulk work.
    public static let none = PostgresTimeouts(connect: 0, statement: 0, answer: nil)
}
