/// What a motion detector found on one frame: the `motion.regions` annotation (PluginAPI 1.1).
public struct MotionRegions: Sendable, Equatable {
    /// The moving areas, normalised (empty on a still frame).
    public var boxes: [Box]
    /// True while the detector is still learning the background: `boxes` means nothing yet.
    public var calibrating: Bool

    /// Creates the annotation.
    public init(boxes: [Box], calibrating: Bool = false) { self.boxes = boxes; self.calibrating = calibrating }

    /// True when something moves on this frame (and the detector is not calibrating).
    public var hasMotion: Bool { !calibrating && !boxes.isEmpty }

    /// `{"boxes": [{x, y, width, height}…], "calibrating": bool}`
    public var json: JSONValue { ["boxes": .array(boxes.map(\.json)), "calibrating": .bool(calibrating)] }

    /// Reads the JSON form; throws a `PluginError` saying what was expected.
    public init(json: JSONValue) throws {
        let expected = "expected {\"boxes\": [{\"x\", \"y\", \"width\", \"height\"}, …], \"calibrating\": true|false}"
        guard case .object = json, let items = json["boxes"]?.arrayValue else {
            throw PluginError("annotation \"\(FrameAnnotations.motionRegionsKey)\": \(expected), found \(json.typeName)")
        }
        var boxes: [Box] = []
        for (i, item) in items.enumerated() {
            guard let box = Box(json: item) else {
                throw PluginError("annotation \"\(FrameAnnotations.motionRegionsKey)\": boxes[\(i)]: \(expected)")
            }
            boxes.append(box)
        }
        let calibrating = json["calibrating"] ?? .bool(false)
        guard let flag = calibrating.boolValue else {
            throw PluginError("annotation \"\(FrameAnnotations.motionRegionsKey)\": calibrating: expected true or false, found \(calibrating.typeName)")
        }
        self.init(boxes: boxes, calibrating: flag)
    }
}

/// An object a detector found on a frame, for the detectors after it: the `objects` annotation
/// (e.g. Tracking leaves vehicle boxes that ANPR reads plates in) (PluginAPI 1.1).
public struct DetectedObject: Sendable, Equatable {
    /// Where it is, normalised.
    public var box: Box
    /// What it is, e.g. "person" or "car".
    public var className: String
    /// How sure the detector is, 0–1.
    public var confidence: Double
    /// The tracker's id for it, when a tracker follows it.
    public var trackID: Int?

    /// Creates an object.
    public init(box: Box, className: String, confidence: Double, trackID: Int? = nil) {
        self.box = box; self.className = className; self.confidence = confidence; self.trackID = trackID
    }

    /// `{"box": {…}, "class_name", "confidence", "track_id"}`
    public var json: JSONValue {
        ["box": box.json, "class_name": .string(className), "confidence": .double(confidence),
         "track_id": trackID.map { .int($0) } ?? .null]
    }

    /// Reads the JSON form; throws a `PluginError` saying what was expected.
    public init(json: JSONValue, index: Int) throws {
        guard let box = json["box"].flatMap(Box.init(json:)), let name = json["class_name"]?.stringValue,
              let confidence = json["confidence"]?.doubleValue else {
            throw PluginError("annotation \"\(FrameAnnotations.objectsKey)\": [\(index)]: expected {\"box\": {\"x\", \"y\", \"width\", \"height\"}, \"class_name\": string, \"confidence\": number, \"track_id\": number or null}")
        }
        self.init(box: box, className: name, confidence: confidence, trackID: json["track_id"]?.intValue)
    }
}

/// Notes that detectors earlier in a camera's chain leave on a frame for the ones after them
/// (PluginAPI 1.1). Typed keys have typed properties (`motion`, `objects`); any other key holds
/// free-form JSON. Set through `set(_:_:)`, a typed key is checked and a wrong shape throws.
///
/// One object per frame, used on the camera's thread during that frame's chain only: read what
/// you need in `process`, do not keep the object.
public final class FrameAnnotations: @unchecked Sendable {
    /// The key of `motion`: Motion's regions on this frame.
    public static let motionRegionsKey = "motion.regions"
    /// The key of `objects`: boxes of things a detector found (people, vehicles…).
    public static let objectsKey = "objects"

    /// Motion's regions on this frame; nil when no motion detector ran before.
    public var motion: MotionRegions?
    /// Objects found on this frame by a detector before; nil when none ran.
    public var objects: [DetectedObject]?
    private var others: [(key: String, value: JSONValue)] = []

    /// No annotations.
    public init() {}

    /// Every key that holds a value, typed ones first.
    public var keys: [String] {
        (motion == nil ? [] : [Self.motionRegionsKey]) + (objects == nil ? [] : [Self.objectsKey]) + others.map(\.key)
    }

    /// The value of `key` as JSON (typed keys in their JSON form); nil when not set.
    public subscript(key: String) -> JSONValue? {
        switch key {
        case Self.motionRegionsKey: return motion?.json
        case Self.objectsKey: return objects.map { .array($0.map(\.json)) }
        default: return others.last { $0.key == key }?.value
        }
    }

    /// Sets `key` (1–100 bytes). A typed key must have its documented shape, else this throws a
    /// `PluginError` naming the key and what was expected; `null` removes the key.
    public func set(_ key: String, _ value: JSONValue) throws {
        guard !key.isEmpty, key.utf8.count <= 100 else {
            throw PluginError("annotation key must be 1 to 100 bytes, found \(key.utf8.count)")
        }
        if case .null = value { remove(key); return }
        switch key {
        case Self.motionRegionsKey:
            motion = try MotionRegions(json: value)
        case Self.objectsKey:
            guard let items = value.arrayValue else {
                throw PluginError("annotation \"\(Self.objectsKey)\": expected an array of objects, found \(value.typeName)")
            }
            objects = try items.enumerated().map { try DetectedObject(json: $1, index: $0) }
        default:
            others.removeAll { $0.key == key }
            others.append((key, value))
        }
    }

    /// Removes `key`.
    public func remove(_ key: String) {
        switch key {
        case Self.motionRegionsKey: motion = nil
        case Self.objectsKey: objects = nil
        default: others.removeAll { $0.key == key }
        }
    }

    /// Every annotation as one JSON object (key → value), e.g. to carry them across a process boundary.
    public var json: JSONValue { .object(keys.map { ($0, self[$0] ?? .null) }) }

    /// Annotations read back from `json`; throws like `set` for a typed key of the wrong shape.
    public convenience init(json: JSONValue) throws {
        self.init()
        for (key, value) in json.objectValue ?? [] { try set(key, value) }
    }
}
