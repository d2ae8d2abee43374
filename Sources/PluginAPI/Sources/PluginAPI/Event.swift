

/// An event a detector emits. The host saves it, publishes it and hands it to sinks.
public struct Event: Sendable {
    /// "motion", "tracking", "anpr", or a third-party type (1–50 characters).
    public var type: String
    /// The camera it happened on.
    public var cameraID: String
    /// The frame it happened on.
    public var frameNumber: Int
    /// When it happened.
    public var timestamp: Timestamp
    /// The event's data (`event_data`), stored as JSONB and published unchanged.
    public var data: JSONValue
    /// An image to save as the event's snapshot (often the frame itself), if any.
    public var snapshot: Image?
    /// The snapshot file's prefix: "motion", "detection", "anpr"; defaults to the type.
    public var snapshotKind: String

    /// Creates an event about `frame`.
    public init(type: String, frame: Frame, data: JSONValue, snapshot: Image? = nil, snapshotKind: String? = nil) {
        self.init(type: type, cameraID: frame.cameraID, frameNumber: frame.number, timestamp: frame.timestamp,
                  data: data, snapshot: snapshot, snapshotKind: snapshotKind)
    }

    /// Creates an event with every field given.
    public init(type: String, cameraID: String, frameNumber: Int, timestamp: Timestamp, data: JSONValue,
                snapshot: Image? = nil, snapshotKind: String? = nil) {
        self.type = type; self.cameraID = cameraID; self.frameNumber = frameNumber
        self.timestamp = timestamp; self.data = data; self.snapshot = snapshot
        self.snapshotKind = snapshotKind ?? type
    }
}

/// An event after it was saved: what sinks receive.
public struct StoredEvent: Sendable {
    /// The row id in the events table.
    public let id: Int64
    /// `event_type`
    public let type: String
    /// `camera_id`
    public let cameraID: String
    /// `frame_number`
    public let frameNumber: Int
    /// `timestamp`
    public let timestamp: Timestamp
    /// `snapshot_path` as stored: relative, starting with the snapshots folder's own name
    /// (`snapshots/2024-10-11/camera-01/motion_12_1728649696.png`); `PluginContext.snapshots?.file(for:)` gives the file.
    public let snapshotPath: String?
    /// `event_data`
    public let data: JSONValue
    /// `created_at`, as the database wrote it.
    public let createdAt: Timestamp
    /// The event exactly as published on Redis (the seed's JSON shape), UTF-8.
    public let json: String

    /// Creates a stored event; the host does this.
    public init(id: Int64, type: String, cameraID: String, frameNumber: Int, timestamp: Timestamp,
                snapshotPath: String?, data: JSONValue, createdAt: Timestamp, json: String) {
        self.id = id; self.type = type; self.cameraID = cameraID; self.frameNumber = frameNumber
        self.timestamp = timestamp; self.snapshotPath = snapshotPath; self.data = data
        self.createdAt = createdAt; self.json = json
    }
}
