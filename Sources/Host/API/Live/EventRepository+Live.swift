import Foundation
import VigilRouter

extension EventRepository {
    /// Events with ids after `id` matching `filter`, oldest id first, at most `limit`: the
    /// `since_id` replay of the live feed, as published JSON (plates shown as the API shows them).
    func events(after id: Int64, filter: LiveFilter, limit: Int) async throws -> [(id: Int64, json: [UInt8])] {
        try await withConnection { db in
            var params: [String?] = [String(id)]
            var conditions = ["id > $1"]
            if let c = filter.cameraID { params.append(c); conditions.append("camera_id = $\(params.count)") }
            if let t = filter.eventType { params.append(t); conditions.append("event_type = $\(params.count)") }
            params.append(String(limit))
            let rows = try PreparedStatements.query(db, """
                SELECT \(PublishedRow.columns) FROM events\(conditions.whereClause) ORDER BY id LIMIT $\(params.count)
                """, params)
            return (0..<rows.count).map { (Int64(rows[$0, 0] ?? "") ?? 0, PublishedRow.json(at: $0, in: rows, plates: self.plates)) }
        }
    }
}
