import Foundation
import Hummingbird
import PluginAPI
import VigilConfig
import VigilRouter

/// The validated parameters of `GET /api/events`. Every bad value becomes a 400 naming the parameter.
struct EventQuery: Sendable, Equatable {
    var cameraID: String?
    var eventType: String?
    /// Inclusive bounds on `timestamp`.
    var start: Timestamp?
    var end: Timestamp?
    var page = 1
    var pageSize = 50
    /// `plate`: ANPR events of this plate, normalised (letters and digits, uppercased).
    var plate: String?

    static let maxPageSize = 500
    static let maxPage = 1_000_000

    /// Reads and checks the query string.
    init(_ q: Parameters) throws {
        cameraID = try q.get("camera_id").map { try Self.cameraID($0, parameter: "camera_id") }
        eventType = try q.get("event_type").map { try Self.eventType($0) }
        start = try q.get("start_time").map { try Self.time($0, parameter: "start_time") }
        end = try q.get("end_time").map { try Self.time($0, parameter: "end_time") }
        page = try q.get("page").map { try Self.int($0, "page", 1...Self.maxPage) } ?? 1
        pageSize = try q.get("page_size").map { try Self.int($0, "page_size", 1...Self.maxPageSize) } ?? 50
        plate = try q.get("plate").map { try Self.plate($0) }
        if let start, let end, start > end {
            throw APIError.badParameter("end_time", "a time at or after start_time", found: q.get("end_time"))
        }
    }

    init() {}

    /// The row offset of the page.
    var offset: Int { (page - 1) * pageSize }

    static func int(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
        guard text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(text), range.contains(v) else {
            throw APIError.badParameter(name, "a whole number from \(range.lowerBound) to \(range.upperBound)", found: text)
        }
        return v
    }

    /// Camera ids: 1–100 letters, digits, spaces and `_ . - : @`, starting with a letter or digit
    /// (the same rule plugins.json applies, so every camera can be asked for).
    static func cameraID(_ text: String, parameter: String) throws -> String {
        guard CameraIDRule.isValid(text) else { throw APIError.badParameter(parameter, CameraIDRule.description, found: text) }
        return text
    }

    /// Event types: 1–50 lowercase letters, digits and `_ . -`; whether it is known is checked against the data.
    static func eventType(_ text: String) throws -> String {
        let ok = !text.isEmpty && text.utf8.count <= 50 && text.utf8.allSatisfy {
            ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 46 || $0 == 45
        }
        guard ok else { throw APIError.badParameter("event_type", "1 to 50 lowercase letters, digits, '_', '.' or '-'", found: text) }
        return text
    }

    /// A plate: 1–32 letters or digits once spaces, dashes and the like are left out.
    static func plate(_ text: String) throws -> String {
        let plate = PlateVault.normalise(text)
        guard !plate.isEmpty, plate.count <= 32, text.count <= 64 else {
            throw APIError.badParameter("plate", "1 to 32 letters or digits (case, spaces and dashes are ignored)", found: text)
        }
        return plate
    }

    static func time(_ text: String, parameter: String) throws -> Timestamp {
        guard let t = ISOTime.parse(text) else {
            throw APIError.badParameter(parameter, "an ISO 8601 time such as 2024-10-11T12:34:56Z or 2024-10-11", found: text)
        }
        return t
    }
}

/// ISO 8601 / RFC 3339 times: `YYYY-MM-DD`, optionally `THH:MM[:SS[.fraction]]` (or a space for T),
/// optionally `Z` or `±HH:MM` / `±HHMM`. Without a zone the time is UTC, as stored.
enum ISOTime {
    static func parse(_ text: String) -> Timestamp? {
        var s = Array(text.utf8)
        guard s.count >= 10, s.count <= 40 else { return nil }
        func num(_ from: Int, _ n: Int) -> Int? {
            guard from + n <= s.count else { return nil }
            var v = 0
            for b in s[from..<from + n] { guard b >= 48 && b <= 57 else { return nil }; v = v * 10 + Int(b - 48) }
            return v
        }
        guard let y = num(0, 4), s[4] == 45, let mo = num(5, 2), s[7] == 45, let d = num(8, 2),
              y >= 1, (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y) else { return nil }
        var h = 0, mi = 0, sec = 0, micros = 0, offset = 0
        var i = 10
        if i < s.count, s[i] == 84 || s[i] == 116 || s[i] == 32 {  // T, t or space
            i += 1
            guard let hh = num(i, 2), i + 2 < s.count, s[i + 2] == 58, let mm = num(i + 3, 2), hh < 24, mm < 60 else { return nil }
            h = hh; mi = mm; i += 5
            if i < s.count, s[i] == 58 {
                guard let ss = num(i + 1, 2), ss <= 60 else { return nil }
                sec = min(ss, 59); i += 3
                if ss == 60 { micros = 999_999 }  // a leap second: the last instant of the minute
                if i < s.count, s[i] == 46 {
                    i += 1
                    var digits = 0, frac = 0
                    while i < s.count, s[i] >= 48 && s[i] <= 57 {
                        if digits < 6 { frac = frac * 10 + Int(s[i] - 48) }
                        digits += 1; i += 1
                    }
                    guard digits > 0 else { return nil }
                    if digits < 6 { for _ in digits..<6 { frac *= 10 } }
                    if ss != 60 { micros = frac }
                }
            }
            // A '+' in a query string arrives as a space: " 02:00" at the end is "+02:00".
            if i < s.count, s[i] == 32 { s[i] = 43 }
            if i < s.count {
                if s[i] == 90 || s[i] == 122 { i += 1 }  // Z
                else if s[i] == 43 || s[i] == 45 {
                    let sign = s[i] == 43 ? 1 : -1
                    guard let oh = num(i + 1, 2), oh < 24 else { return nil }
                    var om = 0
                    if i + 3 < s.count, s[i + 3] == 58 { guard let m = num(i + 4, 2) else { return nil }; om = m; i += 6 }
                    else if let m = num(i + 3, 2) { om = m; i += 5 } else { i += 3 }
                    guard om < 60 else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                } else { return nil }
            }
        }
        guard i == s.count else { return nil }
        let days = Int64(EventJSON.daysFromCivil(y, mo, d))
        let seconds = days * 86_400 + Int64(h * 3600 + mi * 60 + sec - offset)
        return Timestamp(microsecondsSince1970: seconds * 1_000_000 + Int64(micros))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
