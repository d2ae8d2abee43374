import Foundation
import PluginAPI
import VigilRouter

/// `GET /api/events/stats`: totals by type and camera, first and last event time, and the last
/// 24 hours hour by hour — read from the hourly counts, so it stays fast on millions of rows.
enum EventStats {
    static func read(_ repository: EventRepository) async throws -> String {
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

            var out: [UInt8] = []
            func time(_ text: String?) {
                if let t = text.flatMap(EventJSON.parseSQLTimestamp) { EventJSON.writeString(EventJSON.isoMillisZ(t), &out) }
                else { out.append(contentsOf: "null".utf8) }
            }
            func counts(_ d: [String: Int]) {
                out.append(UInt8(ascii: "{"))
                for (i, (k, v)) in d.sorted(by: { $0.key < $1.key }).enumerated() {
                    if i > 0 { out.append(contentsOf: ", ".utf8) }
                    EventJSON.writeString(k, &out); out.append(contentsOf: ": \(v)".utf8)
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: "{\"total\": \(total), \"by_event_type\": ".utf8); counts(byType)
            out.append(contentsOf: ", \"by_camera\": ".utf8); counts(byCamera)
            out.append(contentsOf: ", \"first_event_time\": ".utf8); time(range[0, 0])
            out.append(contentsOf: ", \"last_event_time\": ".utf8); time(range[0, 1])
            out.append(contentsOf: ", \"last_24_hours\": [".utf8)
            for r in 0..<hours.count {
                if r > 0 { out.append(contentsOf: ", ".utf8) }
                out.append(contentsOf: "{\"hour\": ".utf8); time(hours[r, 0])
                out.append(contentsOf: ", \"count\": \(hours[r, 1] ?? "0")}".utf8)
            }
            out.append(contentsOf: "]}".utf8)
            return String(decoding: out, as: UTF8.self)
        }
    }
}
