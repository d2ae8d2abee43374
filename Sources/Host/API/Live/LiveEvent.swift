import Foundation
import PluginAPI
import VigilRouter

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
    /// Plates are shown as `plates` says, as the REST API shows them: an event carrying plates is
    /// re-encoded with them redacted (no `API_TOKEN` set) or decrypted (published encrypted, and
    /// the key is here); every other message is passed on byte for byte.
    init?(published json: String, plates: PlateAccess = PlateAccess()) {
        guard let value = try? JSONValue(parsing: json), let id = value["id"]?.intValue,
              let camera = value["camera_id"]?.stringValue, let type = value["event_type"]?.stringValue else { return nil }
        var text = json
        if plates.mayApply(to: Array(json.utf8)), let data = value["event_data"], PlateFields.holdsPlates(data),
           plates.view != .plain || PlateFields.isSealed(data), case .object(var members) = value {
            let shown = PlateFields.show(data, as: plates.view, plates.vault, eventID: Int64(id))
            for i in members.indices where members[i].key == "event_data" { members[i].value = shown }
            text = EventJSON.encode(.object(members))
        }
        self.init(id: Int64(id), cameraID: camera, eventType: type, json: text)
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
