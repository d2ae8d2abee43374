import Foundation
import PluginAPI
import VigilPostgres
import VigilRouter

/// The API's reads of the events table, through the connection pool. Parameterised SQL only.
/// Totals and stats read the hourly counts (`vigil_event_counts`, kept by triggers) and count
/// rows only for the partial hours at the edges of a time range.
package final class EventRepository: Sendable {
    private let pool: DatabasePool
    /// How plates are shown, and the keys a search by plate hashes with.
    let plates: PlateAccess
    private let knownTypes = KnownTypesCache()
    /// Types the shipped plugins emit; accepted even before the first such event.
    static let builtInTypes: Set<String> = ["motion", "tracking", "anpr"]

    init(pool: DatabasePool, plates: PlateAccess = PlateAccess()) { self.pool = pool; self.plates = plates }

    /// Readies one of the API's connections (the database door has made the schema): list queries walk the seed's
    /// indexes in order whatever the table's statistics say.
    /// - `enable_sort = off`: a list is `ORDER BY timestamp DESC, id DESC LIMIT n`; walking
    ///   `idx_camera_timestamp` (or `idx_event_type_timestamp`, `idx_timestamp`) backwards reads about
    ///   n rows. While events pour in, the statistics lag behind (a camera that started after the last
    ///   ANALYZE looks like it has a handful of rows) and the planner instead read every row of the
    ///   camera and sorted them: measured 30–80 ms at 5,000–10,000 rows per camera, growing with the
    ///   table, against 0.8 ms in index order. Nothing else the API runs needs a sort it could avoid.
    /// - `random_page_cost = 1.1` (an SSD's, instead of 4) keeps a camera's list on
    ///   `idx_camera_timestamp` rather than `idx_timestamp` with a filter (32 ms → under 1 ms at 1.3 million rows).
    package static func prepare(_ db: PostgresConnection) throws {
        try db.execute("SET random_page_cost = 1.1")
        try db.execute("SET enable_sort = off")
        // Turning sorts off prices any plan that must still sort (a 24-row ORDER BY in stats) at 10^10,
        // far past jit_above_cost: PostgreSQL then spent 700 ms compiling a 3 ms query. The API's
        // queries are all small; JIT never pays off for them.
        try db.execute("SET jit = off")
        try db.execute("SET DateStyle = 'ISO'")  // timestamp::text as 2024-10-11 12:34:56.789123
    }

    /// One page of events (published JSON), newest first, and how many match in all. Without a
    /// time range the total comes with the page, from the same statement.
    func list(_ q: EventQuery) async throws -> (events: [[UInt8]], total: EventTotal) {
        if q.plate != nil { return try await listByPlate(q) }
        let plates = self.plates
        return try await pool.run { db in
            var params: [String?] = []
            let conditions = Self.conditions(q, &params) ?? []
            let countsFilter = Array(conditions.prefix((q.cameraID == nil ? 0 : 1) + (q.eventType == nil ? 0 : 1)))
            let withTotal = q.start == nil && q.end == nil
            let total = withTotal ? ", (SELECT COALESCE(sum(n), 0) FROM vigil_event_counts\(countsFilter.whereClause))" : ""
            params += [String(q.pageSize), String(q.offset)]
            let rows = try PreparedStatements.query(db, """
                SELECT \(PublishedRow.columns)\(total) FROM events\(conditions.whereClause)
                ORDER BY timestamp DESC, id DESC LIMIT $\(params.count - 1) OFFSET $\(params.count)
                """, params)
            let events = (0..<rows.count).map { PublishedRow.json(at: $0, in: rows, plates: plates) }
            if withTotal, rows.count > 0 { return (events, EventTotal(count: Int(rows[0, 8] ?? "0") ?? 0)) }
            return (events, try Self.total(q, db))
        }
    }

    /// One page of the ANPR events of `q.plate` (plus the other filters), newest first, and how many
    /// match: the matching rows are found through the plate indexes first (a materialised CTE, so the
    /// planner cannot walk the whole time index instead), then sorted and counted.
    func listByPlate(_ q: EventQuery) async throws -> (events: [[UInt8]], total: EventTotal) {
        let plates = self.plates
        return try await pool.run { db in
            var params: [String?] = []
            var conditions = Self.conditions(q, &params) ?? []
            let plate = plates.condition(plate: q.plate!, next: params.count + 1)
            conditions.append(plate.sql)
            params += plate.params + [String(q.pageSize), String(q.offset)]
            let rows = try PreparedStatements.query(db, """
                WITH hits AS MATERIALIZED (SELECT \(PublishedRow.columns), timestamp AS sort_time FROM events\(conditions.whereClause))
                SELECT id, event_type, camera_id, timestamp_text, frame_number, snapshot_path, event_data, created_at_text,
                  (SELECT count(*) FROM hits) FROM hits
                ORDER BY sort_time DESC, id DESC LIMIT $\(params.count - 1) OFFSET $\(params.count)
                """, params)
            let events = (0..<rows.count).map { PublishedRow.json(at: $0, in: rows, plates: plates) }
            if rows.count > 0 { return (events, EventTotal(count: Int(rows[0, 8] ?? "0") ?? 0)) }
            let count = try PreparedStatements.query(db, "SELECT count(*) FROM events\(conditions.whereClause)",
                                                     Array(params.dropLast(2)))
            return (events, EventTotal(count: Int(count[0, 0] ?? "0") ?? 0))
        }
    }

    /// The event with this id, if any: its published JSON and snapshot path.
    func event(id: Int) async throws -> (json: [UInt8], snapshotPath: String?)? {
        let plates = self.plates
        return try await pool.run { db in
            let rows = try PreparedStatements.query(db, "SELECT \(PublishedRow.columns) FROM events WHERE id = $1", [String(id)])
            return rows.count == 1 ? (PublishedRow.json(at: 0, in: rows, plates: plates), rows[0, 5]) : nil
        }
    }

    /// Event types in the table plus the built-in ones (re-read at most every 5 seconds).
    func eventTypes() async throws -> Set<String> {
        if let cached = knownTypes.fresh() { return cached }
        let types = try await pool.run { db in
            let rows = try db.query("SELECT DISTINCT event_type FROM vigil_event_counts WHERE n > 0", [], operation: "event types")
            return Set((0..<rows.count).compactMap { rows[$0, 0] })
        }.union(Self.builtInTypes)
        knownTypes.store(types)
        return types
    }

    /// Runs a read on a pool connection (stats, status checks).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.run(body)
    }

    /// `camera_id = $n AND …` for the filters set; nil when none is.
    static func conditions(_ q: EventQuery, _ params: inout [String?], timeColumn: String? = "timestamp") -> [String]? {
        var parts: [String] = []
        func add(_ sql: String, _ value: String, _ cast: String = "") { params.append(value); parts.append("\(sql) $\(params.count)\(cast)") }
        if let c = q.cameraID { add("camera_id =", c) }
        if let t = q.eventType { add("event_type =", t) }
        if let timeColumn {
            if let s = q.start { add("\(timeColumn) >=", EventJSON.sqlTimestamp(s), "::timestamp") }
            if let e = q.end { add("\(timeColumn) <=", EventJSON.sqlTimestamp(e), "::timestamp") }
        }
        return parts.isEmpty ? nil : parts
    }

    /// At most this many rows are counted in each partial hour at the edges of a time range; past
    /// it that edge is estimated from its hour's count and the total is marked inexact.
    static let edgeRowBound = 5_000

    /// How many events match: whole hours from the hourly counts (`vigil_event_counts`), the partial
    /// hours at the edges of a time range from the rows themselves — at most `edgeRowBound` rows
    /// each; an edge holding more is estimated (its hour's count × the share of the hour it covers)
    /// and the total is reported with `total_exact: false`. Without a time range it is always exact.
    static func total(_ q: EventQuery, _ db: PostgresConnection) throws -> EventTotal {
        let hour: Int64 = 3_600_000_000
        var whole: [String] = [], params: [String?] = []
        func param(_ t: Timestamp) -> String { params.append(EventJSON.sqlTimestamp(t)); return "$\(params.count)::timestamp" }
        let filter = conditions(EventQuery(cameraID: q.cameraID, eventType: q.eventType), &params, timeColumn: nil) ?? []
        let fixed = params.count
        // [start, end] = partial head + whole hours [firstHour, endHour) + partial tail.
        var pieces: [(from: Timestamp, to: Timestamp, hour: Timestamp)] = []  // [from, to), within `hour`
        var firstHour = q.start.map { Timestamp(microsecondsSince1970: ceilDiv($0.microseconds, hour) * hour) }
        var endHour = q.end.map { Timestamp(microsecondsSince1970: floorDiv($0.microseconds + 1, hour) * hour) }
        if let s = q.start, let e = q.end, let a = firstHour, let b = endHour, a >= b {
            // No whole hour inside: one or two partial hours.
            let afterEnd = Timestamp(microsecondsSince1970: e.microseconds + 1)
            let split = min(a, afterEnd)
            pieces.append((s, split, Timestamp(microsecondsSince1970: floorDiv(s.microseconds, hour) * hour)))
            if split < afterEnd { pieces.append((split, afterEnd, split)) }
            firstHour = nil; endHour = nil
        } else {
            if let s = q.start, let a = firstHour, s < a { pieces.append((s, a, Timestamp(microsecondsSince1970: a.microseconds - hour))) }
            if let e = q.end, let b = endHour { pieces.append((b, Timestamp(microsecondsSince1970: e.microseconds + 1), b)) }
        }
        var total = 0
        var exact = true
        if q.start == nil || q.end == nil || firstHour != nil {
            if let a = firstHour { whole.append("hour >= \(param(a))") }
            if let b = endHour { whole.append("hour < \(param(b))") }
            let sql = "SELECT COALESCE(sum(n), 0) FROM vigil_event_counts" + (filter + whole).whereClause
            total += Int(try PreparedStatements.query(db, sql, params)[0, 0] ?? "0") ?? 0
        }
        for piece in pieces where piece.from < piece.to {
            params.removeLast(params.count - fixed)
            let rows = filter + ["timestamp >= \(param(piece.from))", "timestamp < \(param(piece.to))"]
            let counted = Int(try PreparedStatements.query(
                db, "SELECT count(*) FROM (SELECT 1 FROM events\(rows.whereClause) LIMIT \(edgeRowBound + 1)) r", params)[0, 0] ?? "0") ?? 0
            guard counted > edgeRowBound else { total += counted; continue }
            params.removeLast(params.count - fixed)
            let inHour = filter + ["hour = \(param(piece.hour))"]
            let hourCount = Double(try db.query("SELECT COALESCE(sum(n), 0) FROM vigil_event_counts\(inHour.whereClause)",
                                                params, operation: "estimate events")[0, 0] ?? "0") ?? 0
            let share = Double(piece.to.microseconds - piece.from.microseconds) / Double(hour)
            total += max(counted, Int((hourCount * share).rounded()))
            exact = false
        }
        return EventTotal(count: total, exact: exact)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    private static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }
}

extension [String] {
    /// ` WHERE a AND b`, or nothing.
    var whereClause: String { isEmpty ? "" : " WHERE " + joined(separator: " AND ") }
}

extension EventQuery {
    init(cameraID: String?, eventType: String?) {
        self.init()
        self.cameraID = cameraID; self.eventType = eventType
    }
}

/// The set of known event types, shared by requests, valid for a few seconds.
final class KnownTypesCache: @unchecked Sendable {
    private let lock = NSLock()
    private var types: Set<String>?
    private var readAt = Date.distantPast

    func fresh() -> Set<String>? {
        lock.lock(); defer { lock.unlock() }
        return Date().timeIntervalSince(readAt) < 5 ? types : nil
    }

    func store(_ t: Set<String>) { lock.lock(); types = t; readAt = Date(); lock.unlock() }
}
