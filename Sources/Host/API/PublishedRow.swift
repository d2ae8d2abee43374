import PluginAPI
import VigilPostgres
import VigilRouter

/// A row of `events` (selected as `EventStore.eventColumns`) straight to the published JSON shape,
/// through `EventJSON` — the one encoder of published bytes. `event_data` comes back from
/// PostgreSQL as jsonb text, which already has the published separators (`", "`, `": "`); it is
/// used as it is when re-encoding could not change a byte (ASCII only, numbers as Swift writes
/// them), and otherwise parsed and encoded like a published event. Listing 50 events, the
/// parse and re-encode were a sixth of the API's CPU.
enum PublishedRow {
    /// Row `r` of `rows` as published JSON bytes.
    static func json(at r: Int, in rows: PostgresResult) -> [UInt8] {
        let data = Array((rows[r, 6] ?? "null").utf8)
        let event = NewEvent(type: rows[r, 1] ?? "", cameraID: rows[r, 2] ?? "", frameNumber: Int(rows[r, 4] ?? "") ?? 0,
                             timestamp: EventJSON.parseSQLTimestamp(rows[r, 3] ?? "") ?? Timestamp(microsecondsSince1970: 0),
                             snapshotPath: rows[r, 5], data: .null)
        let encoded = isCanonical(data) ? data
            : Array(EventJSON.encode((try? JSONValue(parsing: String(decoding: data, as: UTF8.self))) ?? .null).utf8)
        return EventJSON.bytes(id: Int64(rows[r, 0] ?? "") ?? 0, createdAt: rows[r, 7] ?? "", event: event, data: encoded)
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
