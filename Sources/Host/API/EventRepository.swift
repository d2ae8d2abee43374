import Foundation
import PluginAPI
import VigilPostgres
import VigilRouter

/// The API's reads of the events table, through the connection pool. Parameterised SQL only.
/// Totals and stats read the hourly counts (`vigil_event_counts`, kept by triggers) and count
/// rows only for the partial hours at the edges of a time range.
package final class EventRepository: Sendable {
    private let pool: DatabasePool
    private let knownTypes = KnownTypesCache()
    /// Types the shipped plugins emit; accepted even before the first such event.
    static let builtInTypes: Set<String> = ["motion", "tracking", "anpr"]

    init(pool: DatabasePool) { self.pool = pool }

    /// Readies one of the API's connections: the schema exists, and the planner prices random
    /// reads as on an SSD (1.1 instead of 4). With 4, a list by camera can walk `idx_timestamp`
    /// and filter, which is slow when other cameras' events are the newest; with 1.1 it walks
    /// `idx_camera_timestamp` (measured: 32 ms → under 1 ms at 1.3 million rows).
    package static func prepare(_ db: PostgresConnection) throws {
        try EventStore.migrate(db)
        try db.execute("SET random_page_cost = 1.1")
    }

    /// One page of events, newest first, and how many match in all.
    func list(_ q: EventQuery) async throws -> (events: [SavedEvent], total: Int) {
        try await pool.run { db in
            var params: [String?] = []
            let filter = Self.conditions(q, &params).map { "WHERE " + $0.joined(separator: " AND ") } ?? ""
            let rows = try db.query("""
                SELECT \(EventStore.eventColumns) FROM events \(filter)
                ORDER BY timestamp DESC, id DESC LIMIT \(q.pageSize) OFFSET \(q.offset)
                """, params, operation: "list events")
            let events = (0..<rows.count).map { EventStore.event(at: $0, in: rows) }
            return (events, try Self.total(q, db))
        }
    }

    /// The event with this id, if any.
    func event(id: Int) async throws -> SavedEvent? {
        try await pool.run { db in
            let rows = try db.query("SELECT \(EventStore.eventColumns) FROM events WHERE id = $1", [String(id)], operation: "get event")
            return rows.count == 1 ? EventStore.event(at: 0, in: rows) : nil
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
        func add(_ sql: String, _ value: String) { params.append(value); parts.append(sql.replacingOccurrences(of: "?", with: "$\(params.count)")) }
        if let c = q.cameraID { add("camera_id = ?", c) }
        if let t = q.eventType { add("event_type = ?", t) }
        if let timeColumn {
            if let s = q.start { add("\(timeColumn) >= ?::timestamp", EventJSON.sqlTimestamp(s)) }
            if let e = q.end { add("\(timeColumn) <= ?::timestamp", EventJSON.sqlTimestamp(e)) }
        }
        return parts.isEmpty ? nil : parts
    }

    /// The exact number of matching events: whole hours from the counts table, the partial hours
    /// at the edges of the time range from the rows themselves.
    static func total(_ q: EventQuery, _ db: PostgresConnection) throws -> Int {
        let hour: Int64 = 3_600_000_000
        // Whole hours [firstHour, endHour) lie inside [start, end].
        let firstHour = q.start.map { Timestamp(microsecondsSince1970: ceilDiv($0.microseconds, hour) * hour) }
        let endHour = q.end.map { Timestamp(microsecondsSince1970: floorDiv($0.microseconds + 1, hour) * hour) }
        if let a = firstHour, let b = endHour, a >= b {  // no whole hour inside: count the rows
            var params: [String?] = []
            let filter = conditions(q, &params)!.joined(separator: " AND ")
            return Int(try db.query("SELECT count(*) FROM events WHERE \(filter)", params, operation: "count events")[0, 0] ?? "0") ?? 0
        }
        var params: [String?] = []
        var whole = conditions(EventQuery(cameraID: q.cameraID, eventType: q.eventType), &params, timeColumn: nil) ?? []
        var edges: [String] = []
        func param(_ t: Timestamp) -> String { params.append(EventJSON.sqlTimestamp(t)); return "$\(params.count)::timestamp" }
        if let a = firstHour, let s = q.start {
            whole.append("hour >= \(param(a))")
            edges.append("(timestamp >= \(param(s)) AND timestamp < \(param(a)))")
        }
        if let b = endHour, let e = q.end {
            whole.append("hour < \(param(b))")
            edges.append("(timestamp >= \(param(b)) AND timestamp <= \(param(e)))")
        }
        let wholeSQL = "SELECT COALESCE(sum(n), 0) FROM vigil_event_counts" + (whole.isEmpty ? "" : " WHERE " + whole.joined(separator: " AND "))
        var sql = "SELECT (\(wholeSQL))"
        if !edges.isEmpty {
            var edgeFilter = conditions(EventQuery(cameraID: q.cameraID, eventType: q.eventType), &params, timeColumn: nil) ?? []
            edgeFilter.append("(" + edges.joined(separator: " OR ") + ")")
            sql += " + (SELECT count(*) FROM events WHERE \(edgeFilter.joined(separator: " AND ")))"
        }
        return Int(try db.query(sql, params, operation: "count events")[0, 0] ?? "0") ?? 0
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    private static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }
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
