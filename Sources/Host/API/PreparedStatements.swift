import VigilPostgres

/// The API's queries as prepared statements, prepared on first use on each connection: planning
/// a list query costs about as much as running it (0.3 ms of 0.8 ms measured), and the API runs
/// the same few shapes over and over. A statement is named after its text, so each shape is
/// prepared once per connection; a connection that does not know it yet (a new one) prepares it.
enum PreparedStatements {
    /// Runs `sql` with `params` as a prepared statement on `db`.
    static func query(_ db: PostgresConnection, _ sql: String, _ params: [String?]) throws -> PostgresResult {
        let name = "vigil_api_\(String(fnv1a(sql), radix: 36))"
        do {
            return try db.executePrepared(name, params)
        } catch let error as PostgresError where error.sqlState == "26000" {  // invalid_sql_statement_name: not prepared here yet
            try db.prepare(name, sql)
            return try db.executePrepared(name, params)
        }
    }

    /// FNV-1a, 64 bits: the same name for the same text in every process.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
