import Foundation
import CLibPQ

/// A libpq failure, with libpq's own message.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What we were doing, e.g. "connect" or "insert events".
    public let operation: String
    /// libpq's or the server's message.
    public let message: String
    /// The SQLSTATE code, when the server sent one.
    public let sqlState: String?
    /// True when the connection itself is broken (server gone), not just the statement.
    public let connectionLost: Bool

    /// Creates an error (for callers that detect a problem in a result).
    public init(operation: String, message: String, sqlState: String?, connectionLost: Bool) {
        self.operation = operation; self.message = message; self.sqlState = sqlState; self.connectionLost = connectionLost
    }

    public var description: String {
        "PostgreSQL \(operation) failed: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }
}

/// One libpq connection, owned by one thread at a time. Text-format, parameterised statements only.
public final class PostgresConnection {
    private let conn: OpaquePointer

    /// Connects with a libpq connection string or URI; the session runs in UTC.
    public init(_ conninfo: String) throws {
        guard let conn = PQconnectdb(conninfo) else {
            throw PostgresError(operation: "connect", message: "out of memory", sqlState: nil, connectionLost: true)
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.trim(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(operation: "connect", message: message, sqlState: nil, connectionLost: true)
        }
        self.conn = conn
        try execute("SET TIME ZONE 'UTC'; SET client_min_messages = warning")
    }

    deinit { PQfinish(conn) }

    /// True while the connection is usable.
    public var isConnected: Bool { PQstatus(conn) == CONNECTION_OK }

    /// The server's version number, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(conn)) }

    /// Runs SQL without parameters (DDL, BEGIN/COMMIT); several statements allowed.
    @discardableResult
    public func execute(_ sql: String) throws -> PostgresResult {
        try check(PQexec(conn, sql), operation: String(sql.prefix(40)))
    }

    /// Runs one parameterised statement; parameters are sent as text, nil is NULL.
    @discardableResult
    public func query(_ sql: String, _ params: [String?], operation: String? = nil) throws -> PostgresResult {
        try withCStrings(params) { values, lengths in
            try check(PQexecParams(conn, sql, Int32(params.count), nil, values, lengths, nil, 0),
                      operation: operation ?? String(sql.prefix(40)))
        }
    }

    /// Prepares a named statement once per connection.
    public func prepare(_ name: String, _ sql: String) throws {
        try check(PQprepare(conn, name, sql, 0, nil), operation: "prepare \(name)")
    }

    /// Runs a prepared statement; parameters are sent as text, nil is NULL.
    @discardableResult
    public func executePrepared(_ name: String, _ params: [String?]) throws -> PostgresResult {
        try withCStrings(params) { values, lengths in
            try check(PQexecPrepared(conn, name, Int32(params.count), values, lengths, nil, 0), operation: name)
        }
    }

    private func check(_ result: OpaquePointer?, operation: String) throws -> PostgresResult {
        guard let result else {
            throw PostgresError(operation: operation, message: Self.trim(PQerrorMessage(conn)), sqlState: nil,
                                connectionLost: PQstatus(conn) != CONNECTION_OK)
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = Self.trim(PQresultErrorMessage(result))
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            PQclear(result)
            throw PostgresError(operation: operation, message: message.isEmpty ? Self.trim(PQerrorMessage(conn)) : message,
                                sqlState: state, connectionLost: PQstatus(conn) != CONNECTION_OK)
        }
        return PostgresResult(result)
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

/// The rows of one statement's result, as text. Freed with the object.
public final class PostgresResult {
    private let result: OpaquePointer

    init(_ result: OpaquePointer) { self.result = result }
    deinit { PQclear(result) }

    /// Number of rows.
    public var count: Int { Int(PQntuples(result)) }
    /// Number of columns.
    public var columns: Int { Int(PQnfields(result)) }
    /// Rows affected by an INSERT/UPDATE/DELETE.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    /// The text of a cell; nil for NULL.
    public subscript(row: Int, column: Int) -> String? {
        guard PQgetisnull(result, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }
}
