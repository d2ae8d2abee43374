import PluginAPI
import VigilVision

/// Detects motion on one camera and turns it into a few events per motion period:
/// "started" when motion begins, "ongoing" at most every `cooldown_seconds` while it lasts,
/// "ended" (with its duration) after `end_after_seconds` without motion.
final class MotionDetector: Detector {
    private let config: MotionConfig
    private let motion: OpaquePointer
    private var active = false
    private var startedAt = 0.0, lastEventAt = 0.0, lastMotionAt = 0.0
    private var peakArea = 0.0
    private var lastFrame: Frame?

    init(context: PluginContext) throws {
        config = try context.decodeConfig(defaults: MotionConfig())
        var c = vv_motion_config()
        vv_motion_config_default(&c)
        c.frame_height = Int32(config.frameHeight)
        c.threshold = Int32(config.threshold)
        c.contour_area = config.contourArea
        c.frame_alpha = config.frameAlpha
        c.calibration_frames = Int32(config.calibrationFrames)
        c.lightning_threshold = config.lightningThreshold
        c.improve_contrast = config.improveContrast ? 1 : 0
        for (i, polygon) in config.masks.enumerated() {
            guard polygon.count >= 3, polygon.allSatisfy({ $0.count == 2 && $0.allSatisfy { (0...1).contains($0) } }) else {
                throw PluginError("\(context.configPath).masks[\(i)]: expected at least 3 [x, y] points between 0 and 1")
            }
        }
        let points = config.masks.flatMap { $0.flatMap { $0.map(Float.init) } }
        let sizes = config.masks.map { Int32($0.count) }
        c.mask_polygon_count = Int32(sizes.count)
        var err = [CChar](repeating: 0, count: 256)
        let created = points.withUnsafeBufferPointer { p in
            sizes.withUnsafeBufferPointer { s in
                c.mask_points = p.baseAddress
                c.mask_polygon_sizes = s.baseAddress
                return vv_motion_create(&c, &err, err.count)
            }
        }
        guard let created else {
            throw PluginError("\(context.configPath): \(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        motion = created
    }

    deinit { vv_motion_free(motion) }

    func process(_ frame: Frame) throws -> [Event] {
        let image = frame.image
        var result = vv_motion_result()
        let status = vv_motion_process(motion, image.baseAddress.assumingMemoryBound(to: UInt8.self), Int32(image.width),
                                       Int32(image.height), Int32(image.bytesPerRow), Int32(image.channels), &result)
        guard status == 0 else { throw PluginError("motion processing failed on frame \(frame.number)") }
        lastFrame = frame
        let now = frame.timestamp.secondsSince1970
        let moving = result.calibrating == 0 && result.lightning == 0
            && result.affected_area_percentage >= config.minAreaPercentage
        // The chain's `motion.regions`: what moves on this frame, for the detectors after this one.
        frame.annotations.motion = MotionRegions(boxes: moving ? Self.boxes(result) : [], calibrating: result.calibrating != 0)
        guard moving else {
            if active, now - lastMotionAt >= config.endAfterSeconds { return [end(frame)] }
            return []
        }
        lastMotionAt = now
        peakArea = max(peakArea, result.affected_area_percentage)
        if !active {
            active = true; startedAt = now; lastEventAt = now; peakArea = result.affected_area_percentage
            return [event(frame, result, state: "started")]
        }
        if now - lastEventAt >= config.cooldownSeconds {
            lastEventAt = now
            return [event(frame, result, state: "ongoing")]
        }
        return []
    }

    func finish() -> [Event] {
        guard active, let frame = lastFrame else { return [] }
        return [end(frame)]
    }

    /// The regions of a result, normalised.
    private static func boxes(_ r: vv_motion_result) -> [Box] {
        withUnsafeBytes(of: r.boxes) { raw in
            let values = raw.bindMemory(to: Float.self)
            return (0..<Int(r.box_count)).map { i in
                Box(x: Double(values[i * 4]), y: Double(values[i * 4 + 1]),
                    width: Double(values[i * 4 + 2]), height: Double(values[i * 4 + 3]))
            }
        }
    }

    private func event(_ frame: Frame, _ r: vv_motion_result, state: String) -> Event {
        Event(type: "motion", frame: frame, data: [
            "motion_intensity": .double(round4(r.motion_intensity)),
            "affected_area_percentage": .double(round4(r.affected_area_percentage)),
            "motion_state": .string(state),
            "motion_boxes": .array(Self.boxes(r).map(\.json)),
        ], snapshot: config.snapshot ? frame.image : nil, snapshotKind: "motion")
    }

    private func end(_ frame: Frame) -> Event {
        active = false
        return Event(type: "motion", frame: frame, data: [
            "motion_intensity": 0.0, "affected_area_percentage": 0.0, "motion_state": "ended",
            "duration_seconds": .double(round4(lastMotionAt - startedAt)),
            "peak_area_percentage": .double(round4(peakArea)),
        ])
    }

    private func round4<F: BinaryFloatingPoint>(_ v: F) -> Double { (Double(v) * 10_000).rounded() / 10_000 }
}
