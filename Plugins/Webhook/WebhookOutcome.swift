import Foundation
import PluginAPI
import VigilCurl

/// How an endpoint's answer becomes a `Delivery`. The host retries; this only classifies.
enum WebhookOutcome {
    /// 2xx → delivered; 410 → disable; 429/503 with `Retry-After` → retry after it; 408, 425, 429,
    /// 5xx → retry; anything else → failed. Reasons name the status and a short body excerpt.
    static func delivery(for response: HTTPResponse, now: Date = Date()) -> Delivery {
        let status = response.status
        let reason = describe(response)
        switch status {
        case 200...299:
            return .delivered
        case 410:
            return .disable(reason: reason)
        case 429, 503:
            let after = response.header("Retry-After").flatMap { retryAfter($0, now: now) }
            return .retry(after: after, reason: reason)
        case 408, 425, 500...599:
            return .retry(after: nil, reason: reason)
        default:
            return .failed(reason: reason)
        }
    }

    /// A `Retry-After` value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); a date in the
    /// past means now. Nil when it is neither.
    static func retryAfter(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return .seconds(Int64(text) ?? Int64.max)  // absurdly long: the host caps it
        }
        guard let date = httpDate(text) else { return nil }
        let seconds = max(0, date.timeIntervalSince(now))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Parses IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms
    /// (RFC 850 and asctime) a recipient must accept.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// `HTTP 400: {"error": "bad payload"}` — the status and at most `limit` characters of the body
    /// on one line.
    static func describe(_ response: HTTPResponse, limit: Int = 200) -> String {
        let excerpt = self.excerpt(response.body, limit: limit)
        return excerpt.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status): \(excerpt)"
    }

    /// The body's start as one line of text: control characters become spaces, runs of spaces shrink.
    static func excerpt(_ body: [UInt8], limit: Int) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        var out = ""
        var lastWasSpace = true
        for character in text {
            if out.count >= limit { out += "…"; break }
            let isSpace = character.isWhitespace
                || character.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control }
            if isSpace {
                if !lastWasSpace { out.append(" ") }
            } else {
                out.append(character)
            }
            lastWasSpace = isSpace
        }
        while out.last == " " { out.removeLast() }
        return out
    }
}
