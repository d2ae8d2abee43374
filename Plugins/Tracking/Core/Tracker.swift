import PluginAPI

/// What changed on one frame.
struct TrackerStep {
    /// Tracks confirmed on this frame.
    var entered: [Track] = []
    /// Confirmed tracks seen (detected or verified) on this frame, the entered ones included.
    var observed: [Track] = []
    /// Confirmed tracks dropped on this frame.
    var left: [Track] = []
}

/// A multi-object tracker in the manner of SORT and ByteTrack: Kalman-predicted boxes, detections
/// matched to tracks by the Hungarian method on IoU (or centre distance), a second pass that lets
/// low-score detections extend existing tracks, `min_hits` before a track counts and `max_age`
/// before it is dropped. Two additions for cameras:
/// - Only frames that looked at a track count against it: with motion gating, a track outside
///   every searched region is held where it is (no motion there means it did not move).
/// - A track that stays put for `stationary_seconds` becomes stationary; when the detector stops
///   reporting it (a background model absorbs a parked car, a detector misses a standing person),
///   its grey look is compared with the frame and it is kept while it matches.
final class Tracker {
    let settings: TrackerSettings
    private(set) var tracks: [Track] = []
    private var nextKey = 1, nextID = 1
    private var lastTime: Double?
    private var stepSeconds: Double?

    init(settings: TrackerSettings) { self.settings = settings }

    /// Confirmed tracks alive now.
    var confirmed: [Track] { tracks.filter(\.confirmed) }

    /// Feeds one frame's detections. `searched` is where the detector looked (nil: everywhere);
    /// `probe` reads the frame for still tracks.
    func update(_ detections: [Detection], searched: [Box]?, time: Double, frame: Int, probe: AppearanceProbe?) -> TrackerStep {
        let dt = lastTime.map { max(time - $0, 0) } ?? 0
        lastTime = time
        if dt > 1e-4 { stepSeconds = min(stepSeconds ?? dt, dt) }
        let steps = stepSeconds.map { dt / $0 } ?? 1
        var looked: [Bool] = []
        for track in tracks {
            track.seenNow = false
            let lookedAt = Self.covered(track.predictedBox, by: searched)
            looked.append(lookedAt)
            if lookedAt { track.predict(steps: steps) } else { track.hold() }
        }

        // 1. High-score detections against every track; 2. low-score ones against confirmed tracks left over.
        let high = detections.filter { $0.confidence >= settings.highThreshold }
        let low = detections.filter { $0.confidence >= settings.lowThreshold && $0.confidence < settings.highThreshold }
        var unmatchedTracks = Array(tracks.indices)
        var unmatchedHigh: [Int] = []
        do {
            let pairs = match(unmatchedTracks, high, minIoU: settings.iouThreshold, centreDistance: settings.maxCenterDistance)
            for (t, d) in pairs { tracks[t].observe(high[d], time: time, frame: frame, settings: settings, probe: probe) }
            let used = Set(pairs.map(\.1)), matched = Set(pairs.map(\.0))
            unmatchedHigh = high.indices.filter { !used.contains($0) }
            unmatchedTracks.removeAll { matched.contains($0) }
        }
        let second = unmatchedTracks.filter { tracks[$0].confirmed }
        if !second.isEmpty, !low.isEmpty {
            let pairs = match(second, low, minIoU: settings.lowIoUThreshold, centreDistance: 0)
            for (t, d) in pairs { tracks[t].observe(low[d], time: time, frame: frame, settings: settings, probe: probe) }
            let matched = Set(pairs.map(\.0))
            unmatchedTracks.removeAll { matched.contains($0) }
        }

        // Tracks not matched: verify still ones, count the miss where someone looked, drop the old.
        var step = TrackerStep()
        var removed = Set<Int>()
        let missStep = min(dt, settings.maxMissStepSeconds)
        for t in unmatchedTracks {
            let track = tracks[t]
            if !track.confirmed {
                if looked[t] { removed.insert(t) }  // a tentative track must be seen on every frame that looks for it
                continue
            }
            if let template = track.template, let now = probe?.patch(track.lastBox),
               track.verify(similarity: Appearance.similarity(template, now), time: time, frame: frame, settings: settings),
               !(looked[t] && settings.detectorSeesStill) {
                track.missedSeconds = 0
                continue
            }
            guard looked[t] || (track.stationary && !track.verified) else { continue }
            track.missedSeconds += missStep
            let limit = track.stationary ? settings.stationaryMaxAgeSeconds : settings.maxAgeSeconds
            if track.missedSeconds > limit { removed.insert(t); step.left.append(track) }
        }

        // New tracks from high-score detections nobody claimed.
        for d in unmatchedHigh where high[d].confidence >= settings.newTrackThreshold {
            tracks.append(Track(key: nextKey, detection: high[d], time: time, frame: frame))
            nextKey += 1
        }
        tracks = tracks.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        for track in tracks where !track.confirmed && track.hits >= settings.minHits && track.travel >= settings.confirmTravel {
            track.confirm(id: nextID)
            nextID += 1
            step.entered.append(track)
        }
        step.observed = tracks.filter { $0.confirmed && $0.seenNow }
        return step
    }

    /// Ends every confirmed track (the stream ended or the camera stops); returns them.
    func finish() -> [Track] {
        let ended = confirmed
        tracks.removeAll()
        return ended
    }

    /// Hungarian matching of `candidates` (track indices) to detections: cost 1 − IoU when the IoU
    /// is at least `minIoU`, else 1 + centre distance in box sizes when that is within `centreDistance`.
    private func match(_ candidates: [Int], _ detections: [Detection], minIoU: Double, centreDistance: Double) -> [(Int, Int)] {
        guard !candidates.isEmpty, !detections.isEmpty else { return [] }
        let cost: [[Double]] = candidates.map { t in
            let predicted = tracks[t].predictedBox
            return detections.map { d in
                guard d.className == tracks[t].className else { return .infinity }
                let iou = predicted.iou(d.box)
                if iou >= minIoU { return 1 - iou }
                guard centreDistance > 0 else { return .infinity }
                let a = predicted.center, b = d.box.center
                let size = max((predicted.width * predicted.height).squareRoot(), 1e-6)
                let distance = ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot() / size
                return distance <= centreDistance ? 1 + distance : .infinity
            }
        }
        return Hungarian.assign(cost, maxCost: 2).map { (candidates[$0.row], $0.column) }
    }

    /// True when at least half of `box` lies in the searched areas (nil: everywhere).
    static func covered(_ box: Box, by searched: [Box]?) -> Bool {
        guard let searched else { return true }
        let area = box.clamped().area
        guard area > 0 else { return searched.contains { $0.intersection(box) != nil } }
        let inside = searched.reduce(0.0) { $0 + ($1.intersection(box)?.area ?? 0) }
        return inside >= 0.5 * area
    }
}
