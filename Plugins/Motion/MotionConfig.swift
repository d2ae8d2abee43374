/// The motion plugin's `config` in plugins.json, with its defaults (snake_case keys in JSON).
struct MotionConfig: Codable {
    /// Working height after downscaling, px.
    var frameHeight = 100
    /// Per-pixel brightness difference (0–255) that counts as change.
    var threshold = 30
    /// Smallest changed region kept, in working-resolution pixels.
    var contourArea = 10.0
    /// Background running-average weight per frame.
    var frameAlpha = 0.01
    /// Frames spent learning the background at start and after a lightning reset.
    var calibrationFrames = 30
    /// Share of the frame changing at once that resets the background instead of firing.
    var lightningThreshold = 0.8
    /// Stretch contrast to the 4th–96th percentile before comparing.
    var improveContrast = true
    /// Motion smaller than this share of the frame (%) is ignored.
    var minAreaPercentage = 0.2
    /// During one motion, at most one "ongoing" event per this many seconds.
    var cooldownSeconds = 5.0
    /// Motion ends after this many seconds without any.
    var endAfterSeconds = 2.0
    /// Attach the frame as the event's snapshot (for "started" and "ongoing").
    var snapshot = true
    /// Areas to ignore: polygons of normalised [x, y] points (0–1).
    var masks: [[[Double]]] = []
}
