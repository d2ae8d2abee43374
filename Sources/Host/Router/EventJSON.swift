import Foundation
import PluginAPI

/// The published event JSON, byte for byte what the seed's Python `json.dumps` printed:
/// `", "` and `": "` separators, non-ASCII escaped, keys in the seed's order.
package enum EventJSON {
    static func encode(id: Int64, createdAt: String, event: NewEvent) -> String {
        encode(id: id, createdAt: createdAt, event: event, data: Array(encode(event.data).utf8))
    }

    /// The envelope around `data`, the event's `event_data` already encoded (it is encoded once per event).
    static func encode(id: Int64, createdAt: String, event: NewEvent, data: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func key(_ k: String) { out.append(UInt8(ascii: "\"")); out.append(contentsOf: k.utf8); out.append(contentsOf: "\": ".utf8) }
        out.append(UInt8(ascii: "{"))
        key("id"); out.append(contentsOf: String(id).utf8); out.append(contentsOf: ", ".utf8)
        key("event_type"); writeString(event.type, &out); out.append(contentsOf: ", ".utf8)
        key("camera_id"); writeString(event.cameraID, &out); out.append(contentsOf: ", ".utf8)
        key("timestamp"); writeString(isoMillisZ(event.timestamp), &out); out.append(contentsOf: ", ".utf8)
        key("frame_number"); out.append(contentsOf: String(event.frameNumber).utf8); out.append(contentsOf: ", ".utf8)
        key("snapshot_path")
        if let p = event.snapshotPath { writeString(p, &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: ", ".utf8)
        key("event_data"); out.append(contentsOf: data); out.append(contentsOf: ", ".utf8)
        key("created_at"); writeString(createdAt, &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `event_data` alone in the same style.
    static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func write(_ value: JSONValue, _ out: inout [UInt8]) {
        switch value {
        case .string(let s): writeString(s, &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(contentsOf: ", ".utf8) }
                write(item, &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(contentsOf: ", ".utf8) }
                writeString(m.key, &out)
                out.append(contentsOf: ": ".utf8)
                write(m.value, &out)
            }
            out.append(UInt8(ascii: "}"))
        default: value.write(to: &out)
        }
    }

    /// A JSON string with Python's `ensure_ascii` escaping (non-ASCII as \uXXXX, UTF-16 surrogates).
    package static func writeString(_ s: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var allPlain = true
            for b in bytes where b < 0x20 || b >= 0x7F || b == 0x22 || b == 0x5C { allPlain = false; break }
            if allPlain { out.append(contentsOf: bytes); return }
            for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars { writeEscaped(scalar, &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func writeEscaped(_ scalar: Unicode.Scalar, _ out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        func u(_ v: UInt32) {
            out.append(contentsOf: [92, UInt8(ascii: "u"), hex[Int(v >> 12 & 15)], hex[Int(v >> 8 & 15)],
                                    hex[Int(v >> 4 & 15)], hex[Int(v & 15)]])
        }
        switch scalar.value {
        case 0x22: out.append(contentsOf: [92, 0x22])
        case 0x5C: out.append(contentsOf: [92, 0x5C])
        case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
        case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
        case 0x20..<0x7F: out.append(UInt8(scalar.value))
        case 0x10000...:
            let v = scalar.value - 0x10000
            u(0xD800 + (v >> 10)); u(0xDC00 + (v & 0x3FF))
        default: u(scalar.value)
        }
    }

    /// `2024-10-11T12:34:56.789Z`
    package static func isoMillisZ(_ t: Timestamp) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        writeDateTime(t, separator: UInt8(ascii: "T"), fractionDigits: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `2024-10-11 12:34:56.789123` (UTC), for PostgreSQL's TIMESTAMP.
    package static func sqlTimestamp(_ t: Timestamp) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(26)
        writeDateTime(t, separator: UInt8(ascii: " "), fractionDigits: 6, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes `YYYY-MM-DD<sep>HH:MM:SS.<fraction>` in UTC without Foundation's formatter (hot path).
    static func writeDateTime(_ t: Timestamp, separator: UInt8, fractionDigits: Int, to out: inout [UInt8]) {
        let (days, micros) = floorDiv(t.microseconds, 86_400_000_000)
        let (y, m, d) = civil(fromDays: days)
        let seconds = Int(micros / 1_000_000)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 { out.append(UInt8(48 + (v / divisor) % 10)); v %= divisor; divisor /= 10 }
        }
        digits(y, 4); out.append(UInt8(ascii: "-")); digits(m, 2); out.append(UInt8(ascii: "-")); digits(d, 2)
        out.append(separator)
        digits(seconds / 3600, 2); out.append(UInt8(ascii: ":")); digits(seconds / 60 % 60, 2)
        out.append(UInt8(ascii: ":")); digits(seconds % 60, 2); out.append(UInt8(ascii: "."))
        let fraction = Int(micros % 1_000_000)
        digits(fractionDigits == 3 ? fraction / 1000 : fraction, fractionDigits)
    }

    /// Parses `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]` (UTC) back to a timestamp.
    package static func parseSQLTimestamp(_ s: String) -> Timestamp? {
        let parts = s.split(whereSeparator: { "-: T.".contains($0) }).map(String.init)
        guard parts.count >= 6, let y = Int(parts[0]), let mo = Int(parts[1]), let d = Int(parts[2]),
              let h = Int(parts[3]), let mi = Int(parts[4]), let sec = Int(parts[5]) else { return nil }
        var micros = 0
        if parts.count > 6 { let f = String(parts[6].prefix(6)); micros = (Int(f) ?? 0) * Int(pow(10, Double(6 - f.count))) }
        let days = Int64(daysFromCivil(y, mo, d))
        return Timestamp(microsecondsSince1970: days * 86_400_000_000 + Int64(h * 3600 + mi * 60 + sec) * 1_000_000 + Int64(micros))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a >= 0 ? a / b : -((-a + b - 1) / b)
        return (q, a - q * b)
    }

    /// Howard Hinnant's days → civil date.
    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }

    package static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
