

/// One frame of one camera, as given to detectors.
public struct Frame: Sendable {
    /// The camera's id from plugins.json.
    public let cameraID: String
    /// The frame's number in the source (0-based, counting frames skipped by sampling).
    public let number: Int
    /// When the frame was captured (wall clock for live streams, start + position for files).
    public let timestamp: Timestamp
    /// The pixels.
    public let image: Image

    /// Creates a frame; the host does this.
    public init(cameraID: String, number: Int, timestamp: Timestamp, image: Image) {
        self.cameraID = cameraID; self.number = number; self.timestamp = timestamp; self.image = image
    }
}
