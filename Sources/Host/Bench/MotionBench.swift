import ArgumentParser
import Foundation
import PluginAPI
import VigilConfig
import VigilPipeline
import VigilPlugins
import VigilVision

/// `vigil bench motion`: bare decode speed, the motion plugin alone on decoded frames (one core),
/// and decode + motion together, on a real video, through the real plugin library.
struct MotionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "motion", abstract: "Measure decode and motion-detection speed on a video.")

    @Option(help: "The video to read.") var video: String
    @Option(help: "Seconds to run the motion-only measurement.") var seconds = 3.0
    @Option(help: "The motion plugin library (default: libMotion.so next to vigil).") var library: String?

    func run() throws {
        let path = library ?? "\(HostConfig.executableDirectory())/libMotion.so"
        let plugin = try PluginLibrary.load(path: path, expecting: .detector)
        func detector() throws -> any Detector {
            try plugin.descriptor.makeDetector(PluginContext(name: "motion", cameraID: "bench", config: ["snapshot": false],
                                                             configPath: "bench.config", logger: PluginLogger { _, _, _ in }))
        }

        // 1. Bare decode.
        var start = DispatchTime.now().uptimeNanoseconds
        var decoded = 0
        let bare = try VisionSource(video)
        while try bare.read() != nil { decoded += 1 }
        guard decoded > 0 else { throw ValidationError("\(video): no frames") }
        let decodeFPS = Double(decoded) / seconds(since: start)

        // 2. The whole path, decode + motion on one thread as a camera loop runs it; the motion
        //    calls are also timed on their own: the motion stage as it runs, on freshly decoded frames.
        var motion = try detector()
        var n = 0, events = 0
        var motionNanos: UInt64 = 0
        var passes = 0
        start = DispatchTime.now().uptimeNanoseconds
        repeat {
            let again = try VisionSource(video)
            while let image = try again.read() {
                let frame = Frame(cameraID: "bench", number: n, timestamp: Timestamp(secondsSince1970: Double(n) / 10), image: image)
                let t0 = DispatchTime.now().uptimeNanoseconds
                events += try motion.process(frame).count
                motionNanos += DispatchTime.now().uptimeNanoseconds - t0
                n += 1
            }
            passes += 1
        } while seconds(since: start) < self.seconds
        let pathFPS = Double(n) / seconds(since: start)
        let motionFPS = Double(n) / (Double(motionNanos) / 1e9)

        // 3. For comparison: motion over frames held in memory (400, so they come from RAM, not cache).
        var frames: [Frame] = []
        let held = try VisionSource(video)
        while frames.count < 400, let image = try held.read() {
            frames.append(Frame(cameraID: "bench", number: frames.count,
                                timestamp: Timestamp(secondsSince1970: Double(frames.count) / 10), image: image))
        }
        motion = try detector()
        var processed = 0
        start = DispatchTime.now().uptimeNanoseconds
        repeat {
            for frame in frames { _ = try motion.process(frame) }
            processed += frames.count
        } while seconds(since: start) < 1
        let coldFPS = Double(processed) / seconds(since: start)

        print(String(format: "decode+motion fps=%.0f (%.1f%% of bare decode) motion_us_per_frame=%.1f events_per_pass=%d",
                     pathFPS, 100 * pathFPS / decodeFPS, 1e6 / motionFPS, events / max(passes, 1)))
        print(String(format: "motion over %d frames held in RAM (cold cache): fps=%.0f", frames.count, coldFPS))
        print(String(format: "motion frames=%d fps=%.0f decode_fps=%.0f", n, motionFPS, decodeFPS))
    }

    private func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
