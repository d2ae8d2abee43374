import Foundation
import PluginAPI

/// One published event as the live feed hands it on: the published JSON text, unchanged, and the
/// three fields the feed's filters and its `since_id` join look at (read once per message, not
/// once per client).
struct LiveEvent: Sendable {
    let id: Int64
    let cameraID: String
    let eventType: String
    /// Exactly the published JSON.
    let json: String
    /// Its size in UTF-8 bytes, what a client's buffer counts.
    let bytes: Int

    /// Reads a published message; nil when it is not an event (no integer `id`, `camera_id`, `event_type`).
    init?(published json: String) {
        guard let value = try? JSONValue(parsing: json), let id = value["id"]?.intValue,
              let camera = value["camera_id"]?.stringValue, let type = value["event_type"]?.stringValue else { return nil }
        self.init(id: Int64(id), cameraID: camera, eventType: type, json: json)
    }

    init(id: Int64, cameraID: String, eventType: String, json: String) {
        self.id = id; self.cameraID = cameraID; self.eventType = eventType; self.json = json
        bytes = json.utf8.count
    }
}

/// What a live client asked for: `camera_id`, `event_type` (nil: all) and `since_id`.
struct LiveFilter: Sendable, Equatable {
    var cameraID: String?
    var eventType: String?
    var sinceID: Int?

    func matches(_ e: LiveEvent) -> Bool {
        (cameraID == nil || cameraID == e.cameraID) && (eventType == nil || eventType == e.eventType)
    }
}
