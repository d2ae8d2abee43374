import Foundation
import CLibPQ

/// One libpq connection, owned by one thread at a time. Text-format, parameterised statements only.
/// Every statement is sent with libpq's asynchronous calls and its answer awaited with `poll`, so a
/// server that never answers costs at most `timeouts.answer` seconds: the connection is then given
/// up as lost (`connectionLost`), like one the server closed.
public final class PostgresConnection {
    private let conn: OpaquePointer
    /// The limits this connection was opened with.
    public let timeouts: PostgresTimeouts
    /// Seconds to wait for an answer (from `timeouts.answer`; nil while `withoutTimeouts` runs).
    private var answerTimeout: Double?
    /// Set once an answer did not come in time: the protocol state is unknown, the connection unusable.
    private var abandoned = false

    /// Connects with a libpq connection string or URI; the session runs in UTC. `timeouts.connect`
    /// is a default the URL may override (`connect_timeout=`).
    public init(_ conninfo: String, timeouts: PostgresTimeouts = .none) throws {
        self.timeouts = timeouts
        answerTimeout = timeouts.answer
        // Earlier keywords are defaults: the expanded `dbname` (the URL) overrides them.
        var keywords = ["keepalives_idle", "keepalives_interval", "keepalives_count"]
        var values = ["30", "5", "3"]
        if timeouts.connect > 0 { keywords.append("connect_timeout"); values.append(String(timeouts.connect)) }
        keywords.append("dbname"); values.append(conninfo)
        let k = keywords.map { UnsafePointer(strdup($0)) } + [nil]
        let v = values.map { UnsafePointer(strdup($0)) } + [nil]
        defer { (k + v).forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        guard let conn = PQconnectdbParams(k, v, 1) else {
            throw PostgresError(operation: "connect", message: "out of memory", sqlState: nil, connectionLost: true)
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.trim(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(operation: "connect", message: message, sqlState: nil, connectionLost: true)
        }
        self.conn = conn
        let statement = timeouts.statement > 0 ? "\(Int(timeouts.statement * 1000))" : "0"
        try execute("SET TIME ZONE 'UTC'; SET client_min_messages = warning; SET statement_timeout = \(statement)")
    }

    deinit { PQfinish(conn) }

    /// True while the connection is usable.
    public var isConnected: Bool { !abandoned && PQstatus(conn) == CONNECTION_OK }

    /// The server's version number, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(conn)) }

    /// Runs `body` with no statement timeout and no answer deadline (schema migrations, bulk work),
    /// then restores them.
    public func withoutTimeouts<R>(_ body: () throws -> R) throws -> R {
        let saved = answerTimeout
        try execute("SET statement_timeout = 0")
        answerTimeout = nil
        defer {
            answerTimeout = saved
            if timeouts.statement > 0 { _ = try? execute("SET statement_timeout = \(Int(timeouts.statement * 1000))") }
        }
        return try body()
    }

    /// Runs SQL without parameters (DDL, BEGIN/COMMIT); several statements allowed.
    @discardableResult
    public func execute(_ sql: String) throws -> PostgresResult {
        try run(operation: String(sql.prefix(40))) { PQsendQuery(conn, sql) }
    }

    /// Runs one parameterised statement; parameters are sent as text, nil is NULL.
    @discardableResult
    public func query(_ sql: String, _ params: [String?], operation: String? = nil) throws -> PostgresResult {
        try withCStrings(params) { values, lengths in
            try run(operation: operation ?? String(sql.prefix(40))) {
                PQsendQueryParams(conn, sql, Int32(params.count), nil, values, lengths, nil, 0)
            }
        }
    }

    /// Prepares a named statement once per connection.
    public func prepare(_ name: String, _ sql: String) throws {
        try run(operation: "prepare \(name)") { PQsendPrepare(conn, name, sql, 0, nil) }
    }

    /// Runs a prepared statement; parameters are sent as text, nil is NULL.
    @discardableResult
    public func executePrepared(_ name: String, _ params: [String?]) throws -> PostgresResult {
        try withCStrings(params) { values, lengths in
            try run(operation: name) { PQsendQueryPrepared(conn, name, Int32(params.count), values, lengths, nil, 0) }
        }
    }

    /// Sends with `send`, waits for every result (up to the answer deadline) and returns the last one,
    /// or throws the first error, as PQexec would.
    private func run(operation: String, _ send: () -> Int32) throws -> PostgresResult {
        guard !abandoned else { throw lost(operation, "the connection was abandoned after an earlier timeout") }
        guard send() == 1 else { throw failure(operation) }
        let deadline = answerTimeout.map { Date(timeIntervalSinceNow: $0) }
        while true {
            let f = PQflush(conn)
            if f == 0 { break }
            if f < 0 { throw failure(operation) }
            try wait(for: Int16(POLLOUT | POLLIN), until: deadline, operation)
            guard PQconsumeInput(conn) == 1 else { throw failure(operation) }
        }
        var last: OpaquePointer?
        var error: PostgresError?
        while true {
            while PQisBusy(conn) == 1 {
                try wait(for: Int16(POLLIN), until: deadline, operation)
                guard PQconsumeInput(conn) == 1 else { if let last { PQclear(last) }; throw failure(operation) }
            }
            guard let result = PQgetResult(conn) else { break }
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK, error == nil {
                if let last { PQclear(last) }
                last = result
            } else {
                if error == nil { error = resultError(result, operation) }
                PQclear(result)
            }
        }
        if let error { if let last { PQclear(last) }; throw error }
        guard let last else { throw failure(operation) }
        return PostgresResult(last)
    }

    /// Waits until the socket is ready for `events`; past the deadline the connection is abandoned.
    private func wait(for events: Int16, until deadline: Date?, _ operation: String) throws {
        while true {
            var pfd = pollfd(fd: PQsocket(conn), events: events, revents: 0)
            let ms = deadline.map { max(0, Int32(min(Double(Int32.max), $0.timeIntervalSinceNow * 1000).rounded(.up))) } ?? -1
            let n = poll(&pfd, 1, ms)
            if n > 0 { return }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw lost(operation, "poll: \(String(cString: strerror(errno)))") }
            abandoned = true
            throw lost(operation, "no answer within \(answerTimeout ?? 0) s")
        }
    }

    private func lost(_ operation: String, _ message: String) -> PostgresError {
        PostgresError(operation: operation, message: message, sqlState: nil, connectionLost: true)
    }

    private func failure(_ operation: String) -> PostgresError {
        PostgresError(operation: operation, message: Self.trim(PQerrorMessage(conn)), sqlState: nil,
                      connectionLost: PQstatus(conn) != CONNECTION_OK)
    }

    private func resultError(_ result: OpaquePointer, _ operation: String) -> PostgresError {
        let message = Self.trim(PQresultErrorMessage(result))
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        return PostgresError(operation: operation, message: message.isEmpty ? Self.trim(PQerrorMessage(conn)) : message,
                             sqlState: state, connectionLost: PQstatus(conn) != CONNECTION_OK)
    }

    private func withCStrings<R>(_ params: [String?], _ body: ([UnsafePointer<CChar>?], [Int32]) throws -> R) rethrows -> R {
        var storage: [UnsafeMutablePointer<CChar>?] = []
        storage.reserveCapacity(params.count)
        var lengths: [Int32] = []
        lengths.reserveCapacity(params.count)
        defer { storage.forEach { free($0) } }
        for p in params {
            if let p { storage.append(strdup(p)); lengths.append(Int32(p.utf8.count)) }
            else { storage.append(nil); lengths.append(0) }
        }
        return try body(storage.map { UnsafePointer($0) }, lengths)
    }

    static func trim(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
