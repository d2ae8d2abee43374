/// Which frames a detector wants to be given (PluginAPI 1.1).
public struct FrameInterest: Sendable, Equatable {
    /// Only frames on which a motion detector earlier in the chain found motion.
    public let motionOnly: Bool
    /// With `motionOnly`: still give a frame at least this often (seconds of frame time), so
    /// the detector can notice that things left or stopped. Nil: never on still frames.
    public let heartbeatSeconds: Double?

    private init(motionOnly: Bool, heartbeatSeconds: Double?) {
        self.motionOnly = motionOnly; self.heartbeatSeconds = heartbeatSeconds
    }

    /// Every frame (the default for every detector).
    public static let everyFrame = FrameInterest(motionOnly: false, heartbeatSeconds: nil)

    /// Only frames with motion. When no motion detector runs before this one on the camera, the
    /// host gives it every frame (and says so once in the log).
    public static let motion = FrameInterest(motionOnly: true, heartbeatSeconds: nil)

    /// Frames with motion, and at least one frame every `seconds` of frame time.
    public static func motion(atLeastEvery seconds: Double) -> FrameInterest {
        FrameInterest(motionOnly: true, heartbeatSeconds: max(seconds, 0))
    }
}

/// An optional ability of a detector: declaring which frames it wants. The host reads
/// `frameInterest` once, after creating the detector, and does not call `process` on other
/// frames (they are counted as skipped) (PluginAPI 1.1).
public protocol SelectiveDetector: Detector {
    /// The frames this detector wants.
    var frameInterest: FrameInterest { get }
}
