import ArgumentParser
import Foundation
import PluginAPI
import VigilConfig
import VigilPipeline
import VigilPlugins
import VigilVision

/// `vigil bench motion`: on the first `--max-frames` frames of a real video, through the real
/// plugin library, the same number of passes each of
/// - motion alone over frames held in RAM (decoded once beforehand): `fps`, the figure comparable
///   with other motion detectors' (decoding excluded);
/// - decode + motion on one thread, as a camera loop runs them: `pipeline_fps`;
/// - bare decode: `decode_fps`.
/// Last line: `motion frames=N fps=X pipeline_fps=Y decode_fps=Z` (N = passes × frames, the same for all three).
struct MotionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "motion", abstract: "Measure motion detection (frames in RAM), decode + motion, and decode speed on a video.")

    @Option(help: "The video to read.") var video: String
    @Option(help: "Passes over the frames, for each of the three measurements.") var passes = 3
    @Option(help: "Frames of the video used (all held in RAM at once).") var maxFrames = 800
    @Option(help: "The motion plugin library (default: libMotion.so next to vigil).") var library: String?
    @Option(help: "in-process (the motion stage alone), or process: the whole pipeline with Motion in vigil and in a worker, side by side.")
    var isolation = "in-process"
    @Option(help: "With --isolation process: seconds each side-by-side measurement runs.") var seconds = 3.0

    func run() throws {
        guard passes > 0, maxFrames > 0 else { throw ValidationError("--passes and --max-frames must be at least 1") }
        let path = library ?? "\(HostConfig.executableDirectory())/libMotion.so"
        let plugin = try PluginLibrary.load(path: path, expecting: .detector)
        func detector() throws -> any Detector {
            try plugin.descriptor.makeDetector(PluginContext(name: "motion", cameraID: "bench", config: ["snapshot": false],
                                                             configPath: "bench.config", logger: PluginLogger { _, _, _ in }))
        }
        func frame(_ n: Int, _ image: Image) -> Frame {
            Frame(cameraID: "bench", number: n, timestamp: Timestamp(secondsSince1970: Double(n) / 10), image: image)
        }

        switch isolation {
        case "in-process": break
        case "process":
            let start = DispatchTime.now().uptimeNanoseconds
            var decoded = 0
            let bare = try VisionSource(video)
            while try bare.read() != nil { decoded += 1 }
            guard decoded > 0 else { throw ValidationError("\(video): no frames") }
            let decodeFPS = Double(decoded) / seconds(since: start)
            try MotionIsolationBench(video: video, library: path, seconds: self.seconds).run(decodeFPS: decodeFPS)
            return
        default: throw ValidationError("--isolation: expected in-process or process, found \"\(isolation)\"")
        }

        // The frames, decoded once and held in RAM.
        var held: [Image] = []
        let source = try VisionSource(video)
        while held.count < maxFrames, let image = try source.read() { held.append(image) }
        guard !held.isEmpty else { throw ValidationError("\(video): no frames") }
        let total = passes * held.count

        // 1. Motion alone over the frames in RAM.
        var motion = try detector()
        var events = 0
        var start = DispatchTime.now().uptimeNanoseconds
        for pass in 0..<passes {
            for (i, image) in held.enumerated() { events += try motion.process(frame(pass * held.count + i, image)).count }
        }
        let fps = Double(total) / seconds(since: start)

        // 2. Decode + motion on one thread, as a camera loop runs them.
        motion = try detector()
        var n = 0
        start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<passes {
            let again = try VisionSource(video)
            for _ in 0..<held.count {
                guard let image = try again.read() else { break }
                _ = try motion.process(frame(n, image))
                n += 1
            }
        }
        let pipelineFPS = Double(n) / seconds(since: start)

        // 3. Bare decode.
        var decoded = 0
        start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<passes {
            let bare = try VisionSource(video)
            for _ in 0..<held.count {
                guard try bare.read() != nil else { break }
                decoded += 1
            }
        }
        let decodeFPS = Double(decoded) / seconds(since: start)
        guard n == total, decoded == total else {
            throw ValidationError("\(video): the frames read differ between passes (\(n), \(decoded), expected \(total))")
        }

        print(String(format: "motion over %d frames in RAM, %d passes: events_per_pass=%d us_per_frame=%.1f; decode+motion is %.1f%% of bare decode",
                     held.count, passes, events / passes, 1e6 / fps, 100 * pipelineFPS / decodeFPS))
        print(String(format: "motion frames=%d fps=%.0f pipeline_fps=%.0f decode_fps=%.0f", total, fps, pipelineFPS, decodeFPS))
    }

    private func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
