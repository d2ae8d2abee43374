import CLibPQ

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
