import Foundation
import Hummingbird
import PluginAPI
import VigilRouter

/// `GET /api/events/stats`: totals by type and camera, first and last event time, and the last
/// 24 hours hour by hour — read from the hourly counts, so it stays fast on millions of rows.
struct EventStats: ResponseEncodable, Sendable {
    /// One hour of `last_24_hours`.
    struct Hour: Encodable, Sendable {
        let hour: String
        let count: Int
    }

    let total: Int
    let byEventType: [String: Int]
    let byCamera: [String: Int]
    let firstEventTime: String?
    let lastEventTime: String?
    let last24Hours: [Hour]

    enum CodingKeys: String, CodingKey {
        case total, byEventType = "by_event_type", byCamera = "by_camera", firstEventTime = "first_event_time",
             lastEventTime = "last_event_time", last24Hours = "last_24_hours"
    }

    /// Null stays null (`encodeIfPresent` would leave the key out).
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(total, forKey: .total)
        try c.encode(byEventType, forKey: .byEventType)
        try c.encode(byCamera, forKey: .byCamera)
        try c.encode(firstEventTime, forKey: .firstEventTime)
        try c.encode(lastEventTime, forKey: .lastEventTime)
        try c.encode(last24Hours, forKey: .last24Hours)
    }

    static func read(_ repository: EventRepository) async throws -> EventStats {
        try await repository.withConnection { db in
            let groups = try db.query("SELECT event_type, camera_id, sum(n) FROM vigil_event_counts GROUP BY 1, 2 HAVING sum(n) > 0",
                                      [], operation: "stats by type and camera")
            var byType: [String: Int] = [:], byCamera: [String: Int] = [:], total = 0
            for r in 0..<groups.count {
                let n = Int(groups[r, 2] ?? "0") ?? 0
                byType[groups[r, 0]!, default: 0] += n
                byCamera[groups[r, 1]!, default: 0] += n
                total += n
            }
            let range = try db.query("""
                SELECT to_char(min(timestamp), 'YYYY-MM-DD HH24:MI:SS.US'), to_char(max(timestamp), 'YYYY-MM-DD HH24:MI:SS.US') FROM events
                """, [], operation: "stats first and last")
            let hours = try db.query("""
                WITH h AS (SELECT generate_series(date_trunc('hour', now() AT TIME ZONE 'UTC') - interval '23 hours',
                                                  date_trunc('hour', now() AT TIME ZONE 'UTC'), interval '1 hour') AS hour)
                SELECT to_char(h.hour, 'YYYY-MM-DD HH24:MI:SS'), COALESCE(sum(c.n), 0)
                FROM h LEFT JOIN vigil_event_counts c ON c.hour = h.hour GROUP BY h.hour ORDER BY h.hour
                """, [], operation: "stats per hour")
            func time(_ text: String?) -> String? { text.flatMap(EventJSON.parseSQLTimestamp).map(EventJSON.isoMillisZ) }
            return EventStats(total: total, byEventType: byType, byCamera: byCamera,
                              firstEventTime: time(range[0, 0]), lastEventTime: time(range[0, 1]),
                              last24Hours: (0..<hours.count).map { Hour(hour: time(hours[$0, 0]) ?? "", count: Int(hours[$0, 1] ?? "0") ?? 0) })
        }
    }
}
