import PluginAPI

/// What the tracking detector reports about one frame, before it becomes events.
enum TrackReport {
    /// A track was confirmed (stamped with its first sighting).
    case entered(Track, zones: [String])
    /// A meaningful change: it moved far, changed zones, or a while passed.
    case updated(Track, zones: [String])
    /// A track ended (stamped with its last sighting).
    case left(Track, zones: [String])
    /// A track crossed a counting line.
    case crossing(LineCrossing)
}

/// Decides which track changes are worth an event: `entered` once, `updated` only when the track
/// moved more than `update_distance` since its last event, changed zones (a change must hold
/// `zone_frames` frames, so jitter on a zone's edge is no change), or `update_interval_seconds`
/// passed; `left` once. Also feeds the line counter.
final class TrackReporter {
    struct Settings {
        var bottomAnchor = true
        var updateDistance = 0.15
        var updateIntervalSeconds = 30.0
        var zoneFrames = 2
    }

    private struct Memory {
        var reportedCentre: Point
        var reportedAt: Double
        var zones: [String]
        var pendingZones: [String]? = nil
        var pendingFrames = 0
    }

    private let settings: Settings
    private let zones: [Zone]
    let lines: LineCounter
    private var memory: [Int: Memory] = [:]   // track key

    init(settings: Settings, zones: [Zone], lines: LineCounter) {
        self.settings = settings; self.zones = zones; self.lines = lines
    }

    /// The point of a box that zones and lines look at: the middle of the bottom edge (where a
    /// person or a car touches the ground) or the centre.
    func anchor(_ box: Box) -> Point { settings.bottomAnchor ? box.bottomCenter : box.center }

    /// The names of the zones `box` is in.
    func zoneNames(_ box: Box) -> [String] {
        let point = anchor(box)
        return zones.filter { $0.contains(point) }.map(\.name)
    }

    /// The reports for one tracker step at frame time `time`.
    func reports(for step: TrackerStep, time: Double) -> [TrackReport] {
        var out: [TrackReport] = []
        let entered = Set(step.entered.map(\.key))
        for track in step.entered {
            out.append(.entered(track, zones: zoneNames(track.firstBox)))
            memory[track.key] = Memory(reportedCentre: track.lastBox.center, reportedAt: time, zones: zoneNames(track.lastBox))
            // Lines start from where it was first seen, so a crossing before confirmation counts.
            _ = lines.observe(key: track.key, trackID: track.id, className: track.className, box: track.firstBox,
                              point: anchor(track.firstBox))
        }
        for track in step.observed {
            out += lines.observe(key: track.key, trackID: track.id, className: track.className, box: track.lastBox,
                                 point: anchor(track.lastBox)).map(TrackReport.crossing)
            guard !entered.contains(track.key), var m = memory[track.key] else { continue }
            let now = zoneNames(track.lastBox)
            var zonesChanged = false
            if now == m.zones {
                m.pendingZones = nil; m.pendingFrames = 0
            } else if now == m.pendingZones {
                m.pendingFrames += 1
            } else {
                m.pendingZones = now; m.pendingFrames = 1
            }
            if m.pendingZones != nil, m.pendingFrames >= settings.zoneFrames {
                m.zones = now; m.pendingZones = nil; m.pendingFrames = 0
                zonesChanged = true
            }
            let c = track.lastBox.center
            let moved = ((c.x - m.reportedCentre.x) * (c.x - m.reportedCentre.x) + (c.y - m.reportedCentre.y) * (c.y - m.reportedCentre.y)).squareRoot()
            let due = settings.updateIntervalSeconds > 0 && time - m.reportedAt >= settings.updateIntervalSeconds
            if zonesChanged || moved > settings.updateDistance || due {
                out.append(.updated(track, zones: m.zones))
                m.reportedCentre = c; m.reportedAt = time
            }
            memory[track.key] = m
        }
        out += ended(step.left)
        return out
    }

    /// `left` for tracks that ended.
    func ended(_ tracks: [Track]) -> [TrackReport] {
        tracks.map { track in
            let zones = memory[track.key]?.zones ?? zoneNames(track.lastBox)
            memory[track.key] = nil
            lines.forget(key: track.key)
            return .left(track, zones: zones)
        }
    }
}
