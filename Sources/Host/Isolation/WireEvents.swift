import PluginAPI

/// Events, stored events and deliveries as they cross between vigil and a worker. A snapshot that
/// is a frame the host handed over travels as that frame's number (`{"frame": seq}`), any other
/// image as pixels in the message's bytes.
package enum WireEvents {
    /// `events` as JSON; `frameSeq` names images that are frames the host sent (nil: pixels).
    static func encode(_ events: [Event], blob: inout [UInt8], frameSeq: (Image) -> Int?) -> JSONValue {
        .array(events.map { event in
            var snapshot: JSONValue = .null
            if let image = event.snapshot {
                if let seq = frameSeq(image) {
                    snapshot = ["frame": .int(seq)]
                } else {
                    let offset = blob.count
                    for y in 0..<image.height { blob.append(contentsOf: image.row(y)) }
                    snapshot = ["offset": .int(offset), "width": .int(image.width), "height": .int(image.height),
                                "format": .int(image.format.rawValue)]
                }
            }
            return ["type": .string(event.type), "camera_id": .string(event.cameraID), "frame_number": .int(event.frameNumber),
                    "timestamp_us": .int(Int(event.timestamp.microseconds)), "data": event.data,
                    "snapshot_kind": .string(event.snapshotKind), "snapshot": snapshot]
        })
    }

    /// Events read back; `frame(seq)` gives the host's image of a frame it sent (nil: no snapshot).
    static func decode(_ json: JSONValue?, blob: [UInt8], frame: (Int) -> Image?) throws -> [Event] {
        guard let items = json?.arrayValue else { return [] }
        return try items.map { item in
            guard let type = item["type"]?.stringValue, let camera = item["camera_id"]?.stringValue,
                  let number = item["frame_number"]?.intValue, let micros = item["timestamp_us"]?.intValue else {
                throw WireError.malformed("event without type, camera_id, frame_number or timestamp_us")
            }
            var snapshot: Image?
            if let seq = item["snapshot"]?["frame"]?.intValue {
                snapshot = frame(seq)
            } else if let offset = item["snapshot"]?["offset"]?.intValue, let w = item["snapshot"]?["width"]?.intValue,
                      let h = item["snapshot"]?["height"]?.intValue,
                      let format = item["snapshot"]?["format"]?.intValue.flatMap(Image.PixelFormat.init(rawValue:)) {
                let count = w * h * format.rawValue
                guard offset >= 0, w > 0, h > 0, offset + count <= blob.count else {
                    throw WireError.malformed("snapshot pixels outside the message")
                }
                snapshot = Image(copying: Array(blob[offset..<offset + count]), width: w, height: h, format: format)
            }
            return Event(type: type, cameraID: camera, frameNumber: number,
                         timestamp: Timestamp(microsecondsSince1970: Int64(micros)), data: item["data"] ?? .null,
                         snapshot: snapshot, snapshotKind: item["snapshot_kind"]?.stringValue)
        }
    }

    /// A stored event as JSON, for a sink in a worker.
    static func encode(_ e: StoredEvent) -> JSONValue {
        ["id": .int(Int(e.id)), "type": .string(e.type), "camera_id": .string(e.cameraID), "frame_number": .int(e.frameNumber),
         "timestamp_us": .int(Int(e.timestamp.microseconds)), "snapshot_path": e.snapshotPath.map { .string($0) } ?? .null,
         "data": e.data, "created_at_us": .int(Int(e.createdAt.microseconds)), "json": .string(e.json)]
    }

    /// A stored event read back.
    static func decodeStored(_ j: JSONValue?) throws -> StoredEvent {
        guard let j, let id = j["id"]?.intValue, let type = j["type"]?.stringValue, let camera = j["camera_id"]?.stringValue,
              let frame = j["frame_number"]?.intValue, let ts = j["timestamp_us"]?.intValue,
              let created = j["created_at_us"]?.intValue, let json = j["json"]?.stringValue else {
            throw WireError.malformed("stored event incomplete")
        }
        return StoredEvent(id: Int64(id), type: type, cameraID: camera, frameNumber: frame,
                           timestamp: Timestamp(microsecondsSince1970: Int64(ts)), snapshotPath: j["snapshot_path"]?.stringValue,
                           data: j["data"] ?? .null, createdAt: Timestamp(microsecondsSince1970: Int64(created)), json: json)
    }

    /// A sink's answer as JSON (`filtered`: the sink's `wants` said no).
    static func encode(_ d: Delivery?) -> JSONValue {
        switch d {
        case nil: return ["outcome": "filtered"]
        case .delivered: return ["outcome": "delivered"]
        case .retry(let after, let reason):
            return ["outcome": "retry", "reason": .string(reason),
                    "after_ms": after.map { .int(Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000)) } ?? .null]
        case .failed(let reason): return ["outcome": "failed", "reason": .string(reason)]
        case .disable(let reason): return ["outcome": "disable", "reason": .string(reason)]
        @unknown default: return ["outcome": "failed", "reason": "the sink answered with a delivery result this vigil does not know"]
        }
    }

    /// A sink's answer read back (a filtered-out event counts as delivered: nothing is left to do).
    static func decodeDelivery(_ j: JSONValue) -> Delivery {
        let reason = j["reason"]?.stringValue ?? ""
        switch j["outcome"]?.stringValue {
        case "delivered", "filtered": return .delivered
        case "retry": return .retry(after: j["after_ms"]?.intValue.map { .milliseconds($0) }, reason: reason)
        case "disable": return .disable(reason: reason)
        default: return .failed(reason: reason.isEmpty ? "the worker gave no answer" : reason)
        }
    }
}
