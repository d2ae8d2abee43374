/// The tracker's rules (from `TrackingConfig`; see its README for each one's meaning).
struct TrackerSettings {
    /// Detections a track needs before it is confirmed (and `entered` is emitted).
    var minHits = 3
    /// Seconds of frames that looked for a moving track without finding it before it is dropped.
    var maxAgeSeconds = 1.0
    /// The same for a stationary track (a parked car hidden by passers-by).
    var stationaryMaxAgeSeconds = 10.0
    /// Detections at or above this score are matched first and may start tracks (ByteTrack's high set).
    var highThreshold = 0.5
    /// Detections from this score up to `highThreshold` only extend existing tracks (ByteTrack's second pass).
    var lowThreshold = 0.1
    /// A detection needs this score to start a new track.
    var newTrackThreshold = 0.6
    /// Least IoU between a track's predicted box and a detection for a match.
    var iouThreshold = 0.2
    /// Least IoU in the second pass (low-score detections).
    var lowIoUThreshold = 0.5
    /// Without enough overlap, a detection whose centre is within this many box sizes of the
    /// prediction may still match (fast objects at a low frame rate); 0 turns it off.
    var maxCenterDistance = 1.0
    /// A track whose centre stays within `stationaryTolerance` × its size for this long is stationary.
    var stationarySeconds = 2.0
    /// See `stationarySeconds`.
    var stationaryTolerance = 0.25
    /// A stationary track that is not detected is still there while its look matches this well (−1…1).
    var appearanceThreshold = 0.5
    /// A track must also have travelled this many box sizes from where it was first seen to be
    /// confirmed (0: no such rule). Background subtraction reports exposure changes and ghosts
    /// as blobs that never move; anything it should report moved to get there.
    var confirmTravel = 0.0
    /// True when the detector reports still objects (hog, cascade, onnx): a still track it looked
    /// at and missed is counted missing even when its look matches (a false detection on a
    /// static thing must not live for ever). False for foreground, which hides still tracks on purpose.
    var detectorSeesStill = true
    /// The most a single frame adds to `missedSeconds` (a long gap between frames is not a long absence).
    var maxMissStepSeconds = 1.0
}
