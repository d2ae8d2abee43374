import PluginAPI
import VigilConfig

/// An event on its way to the database: a detector's event with its snapshot already written.
package struct NewEvent: Sendable {
    var type: String
    var cameraID: String
    var frameNumber: Int
    var timestamp: Timestamp
    package var snapshotPath: String?
    let data: JSONValue
    /// `data` as JSON text, encoded once, on the submitting thread: the writer and publisher reuse it.
    let dataJSON: [UInt8]
    /// With DURABLE_INTAKE: where the event's line ends in the intake journal (a spool file).
    var journal: JournalMark?
    /// The work-queue job this event belongs to (set by `Router.submit(_:job:)`); nil for camera events.
    var job: QueueJob?

    package init(type: String, cameraID: String, frameNumber: Int, timestamp: Timestamp, snapshotPath: String?, data: JSONValue) {
        self.type = type; self.cameraID = cameraID; self.frameNumber = frameNumber
        self.timestamp = timestamp; self.snapshotPath = snapshotPath; self.data = data
        self.dataJSON = Array(EventJSON.encode(data).utf8)
    }

    /// Checks the limits of the events table so a bad event is refused alone, never a whole batch.
    func validate() -> String? {
        if type.isEmpty || type.utf8.count > 50 { return "event_type must be 1 to 50 bytes, got \(type.utf8.count)" }
        if cameraID.isEmpty || cameraID.utf8.count > 100 { return "camera_id must be 1 to 100 bytes" }
        if let p = snapshotPath, p.utf8.count > 500 { return "snapshot_path longer than 500 bytes" }
        if frameNumber < 0 || frameNumber > Int(Int32.max) { return "frame_number \(frameNumber) out of range" }
        if type.utf8.contains(0) || cameraID.utf8.contains(0) { return "NUL byte in event_type or camera_id" }
        if dataJSON.count > SpoolLine.maxEventDataBytes {
            return "event_data is \(dataJSON.count) bytes as JSON, more than the limit of \(SpoolLine.maxEventDataBytes)"
        }
        if timestamp.microseconds < 0 || timestamp.microseconds >= 253_402_300_800_000_000 {
            return "timestamp outside 1970-01-01 … 9999-12-31"
        }
        return nil
    }
}

/// A position in a spool file: the file (names sort in the order they were written) and the offset
/// just past a line.
struct JournalMark: Comparable, Sendable {
    var file: String
    var end: Int

    static func < (a: JournalMark, b: JournalMark) -> Bool { (a.file, a.end) < (b.file, b.end) }
}

/// An event after its row was committed.
package struct SavedEvent: Sendable {
    let id: Int64
    /// created_at as the seed prints it: `2024-10-11T12:34:56.789123`.
    let createdAt: String
    package let event: NewEvent
    /// `event_data` as saved when its plates were encrypted (`PlateFields.seal`); nil when saved as it is.
    package let sealedData: JSONValue?

    package init(id: Int64, createdAt: String, event: NewEvent, sealedData: JSONValue? = nil) {
        self.id = id; self.createdAt = createdAt; self.event = event; self.sealedData = sealedData
    }

    /// The seed's JSON, as published (built on the publisher's thread, not the writer's).
    package var json: String { EventJSON.encode(id: id, createdAt: createdAt, event: event, data: event.dataJSON) }

    /// The JSON published when plates are shown as `view` (`PLATE_PUBLISH`): `json` for plain.
    package func json(plates view: PlateView) -> String {
        let source = sealedData ?? event.data
        guard view != .plain, PlateFields.holdsPlates(source) else { return json }
        let shown = PlateFields.show(source, as: view, nil, eventID: id)
        return EventJSON.encode(id: id, createdAt: createdAt, event: event, data: Array(EventJSON.encode(shown).utf8))
    }

    /// What sinks receive.
    package var stored: StoredEvent {
        StoredEvent(id: id, type: event.type, cameraID: event.cameraID, frameNumber: event.frameNumber,
                    timestamp: event.timestamp, snapshotPath: event.snapshotPath, data: event.data,
                    createdAt: EventJSON.parseSQLTimestamp(createdAt) ?? Timestamp(microsecondsSince1970: 0), json: json)
    }
}
