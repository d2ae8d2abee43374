import PluginAPI

/// One camera's tracking: detects objects (in Motion's regions when Motion runs before it),
/// follows them with the tracker, and emits `tracking` events (entered, updated on a meaningful
/// change, left) and `line_crossing` events. Every entered track gets its left by `finish()`.
public final class TrackingDetector: SelectiveDetector {
    /// Frames with motion (and one every `heartbeat_seconds`) unless `motion_only` is false.
    public let frameInterest: FrameInterest
    private let config: TrackingConfig
    private let detector: ObjectDetector
    let tracker: Tracker
    private let reporter: TrackReporter
    private let events: TrackingEvents
    private var pictures: [Int: TrackingEvents.Pictures] = [:]   // by track key
    private var lastFrame: Frame?
    /// Every confirmed track that ended: key → detections it had (for tests and the bench).
    private(set) var finishedHits: [Int: Int] = [:]

    /// Reads and checks the config, loads the backend's files; throws a `PluginError` naming the JSON path.
    public init(context: PluginContext) throws {
        config = try context.decodeConfig(defaults: TrackingConfig())
        try config.validate(path: context.configPath)
        detector = try ObjectDetector(config: config, path: context.configPath)
        tracker = Tracker(settings: config.trackerSettings)
        let lines = LineCounter(lines: context.lines, margin: config.lineMargin, stateDirectory: context.stateDirectory,
                                logger: context.logger)
        reporter = TrackReporter(settings: config.reporterSettings, zones: context.zones, lines: lines)
        events = TrackingEvents(cameraID: context.cameraID ?? "", modelType: detector.modelType,
                                modelVersion: detector.modelVersion, snapshot: config.snapshot)
        frameInterest = config.wantsMotionOnly
            ? (config.heartbeatSeconds > 0 ? .motion(atLeastEvery: config.heartbeatSeconds) : .motion) : .everyFrame
    }

    /// Detects, tracks and reports one frame.
    public func process(_ frame: Frame) throws -> [Event] {
        lastFrame = frame
        let time = frame.timestamp.secondsSince1970
        var result = ObjectDetector.Result(detections: [], searched: [])
        let motion = frame.annotations.motion
        if config.useMotionRegions, config.backend != "foreground", let motion {
            // Motion ran: look where it saw change; nowhere on a still frame (only still tracks are
            // verified) or while it calibrates (a whole-frame look then would let static false
            // detections in, which no motion would ever look at again).
            if !motion.calibrating, !motion.boxes.isEmpty {
                freezeStillTracks()
                result = try detector.detect(frame.image, regions: motion.boxes)
            }
        } else {
            // No motion detector before, or the foreground backend, whose model must see every frame it is given.
            freezeStillTracks()
            result = try detector.detect(frame.image, regions: nil)
        }
        let step = tracker.update(result.detections, searched: result.searched, time: time, frame: frame.number,
                                  probe: FramePicture(image: frame.image))
        keepPictures(frame, step)
        if config.publishObjects { publish(on: frame) }
        return reporter.reports(for: step, time: time).map(emit(frame))
    }

    /// Ends every track: a `left` for each one still alive.
    public func finish() -> [Event] {
        guard let frame = lastFrame else { return [] }
        let ended = tracker.finish()
        let out = reporter.ended(ended).map(emit(frame))
        pictures.removeAll()
        lastFrame = nil
        return out
    }

    private func emit(_ frame: Frame) -> (TrackReport) -> Event {
        { report in
            var pictures: TrackingEvents.Pictures?
            if case .entered(let t, _) = report { pictures = self.pictures[t.key] }
            if case .left(let t, _) = report {
                pictures = self.pictures.removeValue(forKey: t.key)
                self.finishedHits[t.id] = t.hits
            }
            return self.events.event(report, frame: frame, pictures: pictures)
        }
    }

    /// The foreground model must not learn still objects that are verified in place.
    private func freezeStillTracks() {
        guard config.backend == "foreground" else { return }
        detector.freeze(tracker.confirmed.filter { $0.stationary && $0.verified }.map { $0.lastBox.padded(by: 0.1) })
    }

    /// Keeps the frame where each track was first seen and the latest where it was seen, for snapshots.
    private func keepPictures(_ frame: Frame, _ step: TrackerStep) {
        guard config.snapshot != "none" else { return }
        var alive = Set<Int>()
        for track in tracker.tracks {
            alive.insert(track.key)
            if pictures[track.key] == nil {
                pictures[track.key] = .init(first: frame.image, last: frame.image)
            } else if track.seenNow {
                pictures[track.key]?.last = frame.image
            }
        }
        for track in step.left { alive.insert(track.key) }
        for key in pictures.keys where !alive.contains(key) { pictures[key] = nil }
    }

    /// Leaves the confirmed tracks' boxes on the frame for the detectors after this one (e.g. ANPR).
    private func publish(on frame: Frame) {
        let mine = tracker.confirmed.map {
            DetectedObject(box: ($0.seenNow ? $0.lastBox : $0.predictedBox).clamped(), className: $0.className,
                           confidence: $0.lastConfidence, trackID: $0.id)
        }
        frame.annotations.objects = (frame.annotations.objects ?? []) + mine
    }
}
