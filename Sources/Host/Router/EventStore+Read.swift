import PluginAPI
import VigilConfig
import VigilPostgres

/// Reading saved events back (the publisher's and the sinks' catch-up, the API's lists).
extension EventStore {
    /// The columns `event(at:in:)` reads, in order.
    package static let eventColumns = """
        id, event_type, camera_id, to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS.US'), frame_number,
        snapshot_path, event_data::text, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US')
        """

    /// The event in row `r` of a result that selected `eventColumns` first, its plates shown as
    /// `view` (decrypted with `vault` for `.plain`; a plate that cannot be is redacted, with `plate_error`).
    package static func event(at r: Int, in rows: PostgresResult, plates vault: PlateVault? = nil,
                              view: PlateView = .plain) -> SavedEvent {
        let id = Int64(rows[r, 0]!)!
        var data = (try? JSONValue(parsing: rows[r, 6]!)) ?? .null
        if PlateFields.holdsPlates(data), view != .plain || PlateFields.isSealed(data) {
            data = PlateFields.show(data, as: view, vault, eventID: id)
        }
        let event = NewEvent(type: rows[r, 1]!, cameraID: rows[r, 2]!, frameNumber: Int(rows[r, 4]!)!,
                             timestamp: EventJSON.parseSQLTimestamp(rows[r, 3]!) ?? Timestamp(microsecondsSince1970: 0),
                             snapshotPath: rows[r, 5], data: data)
        return SavedEvent(id: id, createdAt: rows[r, 7]!, event: event)
    }

    /// Up to `limit` events saved after `lastID`, in id order, each with its age in seconds: what
    /// the publisher and the sinks catch up from after an outage.
    /// Plates are shown as `view` (see `event(at:in:plates:view:)`).
    package static func read(after lastID: Int64, limit: Int, from db: PostgresConnection, plates vault: PlateVault? = nil,
                             view: PlateView = .plain) throws -> [(event: SavedEvent, ageSeconds: Double)] {
        let rows = try db.query("""
            SELECT \(eventColumns), extract(epoch FROM (now() AT TIME ZONE 'UTC') - created_at)
            FROM events WHERE id > $1 ORDER BY id LIMIT $2
            """, [String(lastID), String(limit)], operation: "catch-up")
        return (0..<rows.count).map { r in (event(at: r, in: rows, plates: vault, view: view), Double(rows[r, 8] ?? "0") ?? 0) }
    }

}
