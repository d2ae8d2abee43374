import Hummingbird
import VigilRouter

/// `GET /api/events`' answer: `{"events": [...], "page", "page_size", "total", "total_pages"}`, plus
/// `total_exact: false` when `total` is an estimate. The fields are Codable; each event is embedded
/// as the bytes `EventJSON` writes, the published JSON shape, unchanged.
struct EventPage: ResponseGenerator {
    struct Fields: Encodable {
        let page: Int
        let pageSize: Int
        let total: Int
        let totalPages: Int
        /// Present (false) only when `total` is an estimate.
        let totalExact: Bool?

        enum CodingKeys: String, CodingKey {
            case page, pageSize = "page_size", total, totalPages = "total_pages", totalExact = "total_exact"
        }
    }

    /// Each event's published JSON.
    let events: [[UInt8]]
    let fields: Fields

    init(events: [[UInt8]], query: EventQuery, total: EventTotal) {
        self.events = events
        fields = Fields(page: query.page, pageSize: query.pageSize, total: total.count,
                        totalPages: (total.count + query.pageSize - 1) / query.pageSize,
                        totalExact: total.exact ? nil : false)
    }

    /// `[event, event, …]` in the published shape.
    var eventsJSON: [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(events.reduce(2) { $0 + $1.count + 2 })
        for (i, e) in events.enumerated() {
            if i > 0 { out.append(contentsOf: ", ".utf8) }
            out.append(contentsOf: e)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        .json(try EnvelopeJSON.object(fields, adding: "events", raw: eventsJSON, first: true))
    }
}

/// How many events match a query, and whether that is exact.
struct EventTotal: Sendable, Equatable {
    var count: Int
    var exact = true
}
