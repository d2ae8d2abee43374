import PluginAPI

/// Turns the reporter's findings into events: `tracking` (entered / updated / left, with exactly
/// the seed's fields plus `zones`) and `line_crossing`. Entered is stamped with the track's first
/// sighting and left with its last, each with a `detection` snapshot of that frame.
struct TrackingEvents {
    let cameraID: String
    let modelType: String
    let modelVersion: String
    /// box, crop or none.
    let snapshot: String

    /// Frames kept for snapshots, by track key: where it was first and last seen.
    struct Pictures {
        var first: Image
        var last: Image
    }

    func event(_ report: TrackReport, frame: Frame, pictures: Pictures?) -> Event {
        switch report {
        case .entered(let track, let zones):
            return tracking(track, action: "entered", zones: zones, box: track.firstBox, confidence: track.firstConfidence,
                            dwell: nil, frameNumber: track.firstFrame, time: track.firstTime, picture: pictures?.first)
        case .updated(let track, let zones):
            return tracking(track, action: "updated", zones: zones, box: track.lastBox, confidence: track.lastConfidence,
                            dwell: track.dwellSeconds, frameNumber: frame.number, time: frame.timestamp.secondsSince1970, picture: nil)
        case .left(let track, let zones):
            return tracking(track, action: "left", zones: zones, box: track.lastBox, confidence: track.lastConfidence,
                            dwell: track.dwellSeconds, frameNumber: track.lastFrame, time: track.lastTime, picture: pictures?.last)
        case .crossing(let c):
            let counts: [(String, JSONValue)] = c.counts.keys.sorted().map { name in
                let v = c.counts[name]!
                return (name, ["in": .int(v.in), "out": .int(v.out)])
            }
            return Event(type: "line_crossing", frame: frame, data: [
                "line": .string(c.line), "direction": .string(c.direction), "track_id": .int(c.trackID),
                "class_name": .string(c.className), "bounding_box": c.box.clamped().json, "counts": .object(counts),
            ])
        }
    }

    private func tracking(_ track: Track, action: String, zones: [String], box: Box, confidence: Double, dwell: Double?,
                          frameNumber: Int, time: Double, picture: Image?) -> Event {
        let data: JSONValue = [
            "track_id": .int(track.id),
            "tracking_action": .string(action),
            "class_name": .string(track.className),
            "confidence": .double((confidence * 10_000).rounded() / 10_000),
            "bounding_box": box.clamped().json,
            "dwell_time_seconds": dwell.map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
            "model_info": ["model_type": .string(modelType), "version": .string(modelVersion)],
            "zones": .array(zones.map(JSONValue.string)),
        ]
        var image: Image?
        if let picture {
            let frame = FramePicture(image: picture)
            image = snapshot == "box" ? frame.withBox(box, label: "\(track.className) #\(track.id)")
                : snapshot == "crop" ? frame.crop(box) : nil
        }
        return Event(type: "tracking", cameraID: cameraID, frameNumber: frameNumber, timestamp: Timestamp(secondsSince1970: time),
                     data: data, snapshot: image, snapshotKind: "detection")
    }
}
