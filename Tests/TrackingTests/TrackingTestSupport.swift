import Foundation
import PluginAPI
import VigilVision
import XCTest
@testable import TrackingCore

/// Videos, frames and detectors for the tracking tests (real OpenCV through VigilVision).
enum TrackingTestSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// The shared test data folder (read-only, never copied).
    static var data: String { "\(root)/../shared/data" }
    /// Frame times start here (2023-11-14T22:13:20Z).
    static let epoch = 1_700_000_000.0

    static func tempDir(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes an MJPG .avi of `frames` frames drawn by `draw(frameIndex, pixels)` (BGR, tightly packed).
    static func writeVideo(_ name: String, width: Int, height: Int, fps: Double, frames: Int,
                           draw: (Int, inout [UInt8]) -> Void) throws -> String {
        let path = "\(tempDir("tracking-video"))/\(name).avi"
        var err = [CChar](repeating: 0, count: 256)
        guard let writer = vv_writer_open(path, Int32(width), Int32(height), fps, &err, err.count) else {
            throw PluginError("cannot write \(path): \(String(cString: err))")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<frames {
            draw(i, &pixels)
            _ = vv_writer_write(writer, pixels, Int32(width * 3))
        }
        vv_writer_close(writer)
        return path
    }

    /// Calls `body` with every decoded frame of `path` (index, image) until it returns false.
    static func readFrames(_ path: String, _ body: (Int, Image) throws -> Bool) throws {
        var err = [CChar](repeating: 0, count: 256)
        guard let capture = vv_capture_open(path, &err, err.count) else { throw PluginError("cannot open \(path): \(String(cString: err))") }
        defer { vv_capture_close(capture) }
        var n = 0
        while true {
            var frame: OpaquePointer?
            guard vv_capture_read(capture, &frame, &err, err.count) == 1, let frame else { return }
            nonisolated(unsafe) let owned = frame
            let image = Image(width: Int(vv_frame_width(frame)), height: Int(vv_frame_height(frame)), bytesPerRow: Int(vv_frame_stride(frame)),
                              format: .bgr8, baseAddress: UnsafeRawPointer(vv_frame_data(frame)!), release: { vv_frame_release(owned) })
            guard try body(n, image) else { return }
            n += 1
        }
    }

    /// A tracking detector as the host makes it, with the camera's zones and lines.
    static func detector(_ config: JSONValue, zones: [Zone] = [], lines: [CountingLine] = [], stateDirectory: String? = nil) throws -> TrackingDetector {
        var context = PluginContext(name: "tracking", cameraID: "cam", config: config, configPath: "detectors[1].config",
                                    logger: PluginLogger { _, _, _ in })
        context.zones = zones
        context.lines = lines
        context.stateDirectory = stateDirectory
        return try TrackingDetector(context: context)
    }

    /// What a run produced.
    struct Run {
        var events: [Event]
        var detector: TrackingDetector
        var frames: Int
        var tracking: [Event] { events.filter { $0.type == "tracking" } }
        func actions(_ action: String) -> [Event] { tracking.filter { $0.data["tracking_action"]?.stringValue == action } }
    }

    /// Runs a detector over a video, every `every`th frame (frame times from the video's frame
    /// rate `fps`). With `motion`, VigilVision's motion detector runs first and its regions are
    /// left on each frame as Motion leaves them; still frames are skipped as the host skips them.
    static func run(_ video: String, config: JSONValue, fps: Double, every: Int = 1, motion: Bool = false, zones: [Zone] = [],
                    lines: [CountingLine] = [], maxFrames: Int = .max) throws -> Run {
        let detector = try detector(config, zones: zones, lines: lines)
        let gate = motion ? try MotionGate() : nil
        var events: [Event] = []
        var frames = 0
        var lastGiven = -Double.infinity
        try readFrames(video) { n, image in
            guard n < maxFrames else { return false }
            frames = n + 1
            guard n % every == 0 else { return true }
            let time = epoch + Double(n) / fps
            let frame = Frame(cameraID: "cam", number: n, timestamp: Timestamp(secondsSince1970: time), image: image)
            if let gate {
                let regions = try gate.regions(image)
                frame.annotations.motion = regions
                let heartbeat = detector.frameInterest.heartbeatSeconds.map { time - lastGiven >= $0 } ?? false
                guard regions.hasMotion || heartbeat else { return true }
            }
            lastGiven = time
            events += try detector.process(frame)
            return true
        }
        events += detector.finish()
        return Run(events: events, detector: detector, frames: frames)
    }
}

/// VigilVision's motion detector (what the Motion plugin runs), producing `motion.regions`.
final class MotionGate {
    private let motion: OpaquePointer

    init() throws {
        var c = vv_motion_config()
        vv_motion_config_default(&c)
        c.calibration_frames = 30
        var err = [CChar](repeating: 0, count: 256)
        guard let m = vv_motion_create(&c, &err, err.count) else { throw PluginError(String(cString: err)) }
        motion = m
    }

    deinit { vv_motion_free(motion) }

    func regions(_ image: Image) throws -> MotionRegions {
        var r = vv_motion_result()
        guard vv_motion_process(motion, image.baseAddress.assumingMemoryBound(to: UInt8.self), Int32(image.width), Int32(image.height),
                                Int32(image.bytesPerRow), Int32(image.channels), &r) == 0 else { throw PluginError("motion failed") }
        var boxes: [Box] = []
        withUnsafeBytes(of: r.boxes) { raw in
            let v = raw.bindMemory(to: Float.self)
            for i in 0..<Int(r.box_count) {
                boxes.append(Box(x: Double(v[i * 4]), y: Double(v[i * 4 + 1]), width: Double(v[i * 4 + 2]), height: Double(v[i * 4 + 3])))
            }
        }
        return MotionRegions(boxes: r.affected_area_percentage >= 0.2 ? boxes : [], calibrating: r.calibrating != 0)
    }
}
