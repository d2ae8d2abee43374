import PluginAPI

/// One object the tracker follows: its filtered box, how often it was seen, and when.
final class Track {
    /// Internal key, unique among all tracks ever made (tentative ones included).
    let key: Int
    /// The public id (`track_id`), given when the track is confirmed; 0 before.
    fileprivate(set) var id = 0
    /// What it is.
    let className: String
    /// True once it was seen `min_hits` times: it exists for the outside world.
    var confirmed: Bool { id != 0 }
    /// Frames it was matched with a detection.
    private(set) var hits = 1
    /// True while it stands still (see `Tracker`): it is kept until it is really gone.
    private(set) var stationary = false
    /// When it was last seen, detected or verified (frame time, seconds), and on which frame.
    private(set) var lastTime: Double
    private(set) var lastFrame: Int
    /// Where it was last seen, and how sure the detector was then.
    private(set) var lastBox: Box
    private(set) var lastConfidence: Double
    /// Where and when it was first detected.
    let firstTime: Double, firstFrame: Int, firstBox: Box, firstConfidence: Double
    /// Seconds of frames that looked for it without finding it, since it was last seen.
    var missedSeconds = 0.0
    /// True when it was seen (detected or verified) on the latest frame.
    var seenNow = true
    /// True when the latest verification of a still track found it in place.
    var verified = true

    private(set) var filter: KalmanBoxFilter
    private var restAnchor: Point
    private var restSince: Double
    /// Its look while it rests (grey patch), to verify it is still there when not detected.
    private(set) var template: [Float]?

    init(key: Int, detection: Detection, time: Double, frame: Int) {
        self.key = key; className = detection.className
        filter = KalmanBoxFilter(detection.box)
        firstTime = time; firstFrame = frame; firstBox = detection.box; firstConfidence = detection.confidence
        lastTime = time; lastFrame = frame; lastBox = detection.box; lastConfidence = detection.confidence
        restAnchor = detection.box.center; restSince = time
    }

    /// The box the filter expects now.
    var predictedBox: Box { filter.box }

    /// How far the last sighting is from the first, in box sizes (the larger side of the first box).
    var travel: Double {
        let a = firstBox.center, b = lastBox.center
        return ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot() / max(firstBox.width, firstBox.height, 1e-6)
    }

    /// Seconds between the first and the last sighting.
    var dwellSeconds: Double { lastTime - firstTime }

    func confirm(id: Int) { self.id = id }

    func predict(steps: Double) { stationary ? filter.stop() : filter.predict(steps: steps) }

    /// Nobody looked where it is on this frame: it is not moving (no motion there), so it stays put.
    func hold() { filter.stop() }

    /// A detection matched it. A confirmed track whose centre stayed within `stationary_tolerance`
    /// of where it stopped for `stationary_seconds` becomes stationary; from half that time on,
    /// its look is kept (refreshed on every detection) to verify it later.
    func observe(_ detection: Detection, time: Double, frame: Int, settings: TrackerSettings, probe: AppearanceProbe?) {
        filter.update(detection.box)
        hits += 1
        lastBox = detection.box; lastConfidence = detection.confidence
        seen(time: time, frame: frame)
        let centre = detection.box.center
        let tolerance = settings.stationaryTolerance * max(detection.box.height, detection.box.width)
        let dx = centre.x - restAnchor.x, dy = centre.y - restAnchor.y
        if (dx * dx + dy * dy).squareRoot() > tolerance {
            restAnchor = centre; restSince = time
            stationary = false; template = nil
            return
        }
        guard confirmed, time - restSince >= settings.stationarySeconds / 2 else { return }
        template = probe?.patch(detection.box) ?? template
        if !stationary, time - restSince >= settings.stationarySeconds { stationary = true; filter.stop() }
    }

    /// Not detected on this frame: compares its kept look with the frame (`similarity` −1…1).
    /// A track that had rested while seen and still looks the same becomes stationary here (a
    /// background model absorbed it before `stationary_seconds`). Returns true when it is still there.
    func verify(similarity: Double, time: Double, frame: Int, settings: TrackerSettings) -> Bool {
        guard stationary || lastTime - restSince >= settings.stationarySeconds / 2 else { return false }
        verified = similarity >= settings.appearanceThreshold
        guard verified else { return false }
        if !stationary { stationary = true; filter.stop() }
        lastTime = time; lastFrame = frame; seenNow = true
        return true
    }

    private func seen(time: Double, frame: Int) {
        lastTime = time; lastFrame = frame
        missedSeconds = 0; seenNow = true; verified = true
    }
}
