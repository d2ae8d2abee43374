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
    /// What the detectors before this one in the camera's chain noted about this frame, and
    /// where this one may leave notes for those after it (PluginAPI 1.1).
    public let annotations: FrameAnnotations

    /// Creates a frame with no annotations; the host does this.
    public init(cameraID: String, number: Int, timestamp: Timestamp, image: Image) {
        self.init(cameraID: cameraID, number: number, timestamp: timestamp, image: image, annotations: FrameAnnotations())
    }

    /// Creates a frame carrying `annotations` (PluginAPI 1.1).
    public init(cameraID: String, number: Int, timestamp: Timestamp, image: Image, annotations: FrameAnnotations) {
        self.cameraID = cameraID; self.number = number; self.timestamp = timestamp; self.image = image
        self.annotations = annotations
    }
}
