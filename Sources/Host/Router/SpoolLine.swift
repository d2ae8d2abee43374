import PluginAPI

/// One spooled event as a JSON line: `{"type", "camera_id", "frame_number", "timestamp_us",
/// "snapshot_path", "event_data"}`, plus `"batch"` (`<writer>/<batch id>`) when the event was part of
/// a batch whose COMMIT may have happened (its answer was lost): replay checks that tag before saving it.
/// With plate keys (`PLATE_ENCRYPTION_KEY`), an event's plates are written sealed (as PostgreSQL
/// stores them: `PlateFields.seal`) and opened again when the line is read, so no plate text lies
/// on the host's disk while PostgreSQL is down.
enum SpoolLine {
    /// Events of `event_data` up to this many bytes (as JSON) are accepted at `submit`.
    static let maxEventDataBytes = 1 << 20
    /// No well-formed line is longer: `event_data` plus the other fields, escaped.
    static let maxLineBytes = maxEventDataBytes + (64 << 10)

    /// The line, newline included.
    static func encode(_ e: NewEvent, batch: String? = nil, plates: PlateVault? = nil, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"type": "#.utf8); EventJSON.writeString(e.type, &out)
        out.append(contentsOf: #", "camera_id": "#.utf8); EventJSON.writeString(e.cameraID, &out)
        out.append(contentsOf: #", "frame_number": \#(e.frameNumber), "timestamp_us": \#(e.timestamp.microseconds)"#.utf8)
        out.append(contentsOf: #", "snapshot_path": "#.utf8)
        if let p = e.snapshotPath { EventJSON.writeString(p, &out) } else { out.append(contentsOf: "null".utf8) }
        if let batch { out.append(contentsOf: #", "batch": "#.utf8); EventJSON.writeString(batch, &out) }
        out.append(contentsOf: #", "event_data": "#.utf8)
        if let plates, let sealed = try? PlateFields.seal(e.data, plates) {
            out.append(contentsOf: EventJSON.encode(sealed).utf8)
        } else {
            out.append(contentsOf: e.dataJSON)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// The event on a line (without its newline), or nil when it is not one. Sealed plates are
    /// opened with `plates`; without the right key they stay sealed (and are stored so, not lost).
    static func decode<C: Collection<UInt8>>(_ line: C, plates: PlateVault? = nil) -> (event: NewEvent, batch: String?)? {
        guard let v = try? JSONValue(parsing: String(decoding: line, as: UTF8.self)), let type = v["type"]?.stringValue,
              let camera = v["camera_id"]?.stringValue, let frame = v["frame_number"]?.intValue,
              let us = v["timestamp_us"]?.intValue, var data = v["event_data"] else { return nil }
        if PlateFields.isSealed(data), let opened = try? PlateFields.open(data, plates, eventID: nil) { data = opened }
        let event = NewEvent(type: type, cameraID: camera, frameNumber: frame,
                             timestamp: Timestamp(microsecondsSince1970: Int64(us)),
                             snapshotPath: v["snapshot_path"]?.stringValue, data: data)
        return (event, v["batch"]?.stringValue)
    }
}
