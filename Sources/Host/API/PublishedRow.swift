import PluginAPI
import VigilConfig
import VigilPostgres
import VigilRouter

/// A row of `events` (selected as `columns`) straight to the published JSON shape,
/// through `EventJSON` — the one encoder of published bytes. `event_data` comes back from
/// PostgreSQL as jsonb text, which already has the published separators (`", "`, `": "`); it is
/// used as it is when re-encoding could not change a byte (ASCII only, numbers as Swift writes
/// them), and otherwise parsed and encoded like a published event. Listing 50 events, the
/// parse and re-encode were a sixth of the API's CPU.
package enum PublishedRow {
    /// The columns `json(at:in:)` reads, in order. Times as PostgreSQL's own text (ISO DateStyle,
    /// set on the API's sessions): `to_char` costs five times as much, a third of the list query.
    package static let columns = "id, event_type, camera_id, timestamp::text AS timestamp_text, frame_number, snapshot_path, "
        + "event_data::text, created_at::text AS created_at_text"  // aliased: ORDER BY timestamp must mean the column

    /// Row `r` of `rows` as published JSON bytes.
    /// Plates are shown as `plates` says (only rows holding `"anpr_result"` are looked at).
    static func json(at r: Int, in rows: PostgresResult, plates: PlateAccess = PlateAccess()) -> [UInt8] {
        var data = Array((rows[r, 6] ?? "null").utf8)
        if plates.mayApply(to: data), let value = try? JSONValue(parsing: String(decoding: data, as: UTF8.self)),
           PlateFields.holdsPlates(value), plates.view != .plain || PlateFields.isSealed(value) {
            let id = Int64(rows[r, 0] ?? "")
            data = Array(EventJSON.encode(PlateFields.show(value, as: plates.view, plates.vault, eventID: id)).utf8)
        }
        let event = NewEvent(type: rows[r, 1] ?? "", cameraID: rows[r, 2] ?? "", frameNumber: Int(rows[r, 4] ?? "") ?? 0,
                             timestamp: EventJSON.parseSQLTimestamp(rows[r, 3] ?? "") ?? Timestamp(microsecondsSince1970: 0),
                             snapshotPath: rows[r, 5], data: .null)
        let encoded = isCanonical(data) ? data
            : Array(EventJSON.encode((try? JSONValue(parsing: String(decoding: data, as: UTF8.self))) ?? .null).utf8)
        // created_at as published: `2024-10-11T12:34:56.789123`, always six digits.
        var createdAt = Array(EventJSON.sqlTimestamp(EventJSON.parseSQLTimestamp(rows[r, 7] ?? "") ?? Timestamp(microsecondsSince1970: 0)).utf8)
        createdAt[10] = UInt8(ascii: "T")
        return EventJSON.bytes(id: Int64(rows[r, 0] ?? "") ?? 0, createdAt: String(decoding: createdAt, as: UTF8.self),
                               event: event, data: encoded)
    }

    /// Whether jsonb's text of a value is byte for byte what `EventJSON` would write for it:
    /// printable ASCII only (EventJSON escapes the rest as `\uXXXX`; jsonb writes UTF-8 and DEL as
    /// they are), and every number as it would print (jsonb writes `1e-05` as `0.00001`, keeps `1.50`).
    static func isCanonical(_ text: [UInt8]) -> Bool {
        var i = 0
        var inString = false
        while i < text.count {
            let b = text[i]
            if b >= 0x7F { return false }
            if inString {
                if b == UInt8(ascii: "\\") { i += 2; continue }
                if b == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") { inString = true; i += 1; continue }
            if b == UInt8(ascii: "-") || (b >= 48 && b <= 57) {
                var end = i
                while end < text.count, "0123456789.eE+-".utf8.contains(text[end]) { end += 1 }
                guard isCanonicalNumber(text[i..<end]) else { return false }
                i = end
                continue
            }
            i += 1
        }
        return !inString
    }

    /// A number token as `JSONValue` would parse and print it.
    private static func isCanonicalNumber(_ token: ArraySlice<UInt8>) -> Bool {
        let text = String(decoding: token, as: UTF8.self)
        let value: JSONValue
        if !token.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }),
           let i = Int(text) {
            value = .int(i)
        } else if let d = Double(text) {
            value = .double(d)
        } else {
            return false
        }
        var out: [UInt8] = []
        value.write(to: &out)
        return out.elementsEqual(token)
    }
}
