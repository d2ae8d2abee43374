import ArgumentParser
import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPipeline
import VigilPlugins

/// `vigil bench tracking`: the real libTracking.so (after libMotion.so with `--motion`) in the
/// host's own detector chain, on a real video. First one camera, its tracking calls timed from
/// outside; then, with `--cameras N`, N cameras at once, each decoding the video on its own
/// thread, as `vigil run` would, with the whole process's CPU time compared to real time.
struct TrackingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracking", abstract: "Measure detection and tracking speed on a video.")

    @Option(help: "The video to read.") var video: String
    @Option(help: "hog, cascade, foreground or onnx.") var backend = "hog"
    @Option(help: "More tracking config, a JSON object (e.g. '{\"cascade\": {\"path\": \"…\"}}').") var config = "{}"
    @Flag(help: "Run the motion plugin first: tracking gets only frames with motion and looks in its regions.") var motion = false
    @Option(help: "Frames per second given to the detectors (default: every frame).") var detectFps: Double?
    @Option(help: "Cameras run at once in the second measurement (1: only the first).") var cameras = 1
    @Option(help: "The tracking plugin library (default: libTracking.so next to vigil).") var library: String?
    @Option(help: "The motion plugin library (default: libMotion.so next to vigil).") var motionLibrary: String?

    func validate() throws {
        guard cameras >= 1, cameras <= 64 else { throw ValidationError("--cameras must be 1 to 64") }
        if let detectFps, !(detectFps > 0) { throw ValidationError("--detect-fps must be more than 0") }
        guard case .object = try JSONValue(parsing: config) else { throw ValidationError("--config must be a JSON object") }
    }

    func run() throws {
        let directory = HostConfig.executableDirectory()
        let tracking = try PluginLibrary.load(path: library ?? "\(directory)/libTracking.so", expecting: .detector)
        let motionPlugin = motion ? try PluginLibrary.load(path: motionLibrary ?? "\(directory)/libMotion.so", expecting: .detector) : nil
        let trackingConfig = try JSONValue(parsing: config).merging(["backend": .string(backend)])
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let camera = TrackingBenchCamera(video: video, detectFPS: detectFps, tracking: tracking, config: trackingConfig,
                                         motion: motionPlugin)

        // 1. One camera: the tracking stage timed inside the decode loop.
        let single = try camera.run(index: 0)
        let calls = single.trackingDurations.sorted()
        let trackingSeconds = calls.reduce(0, +)
        let fps = Double(single.framesOffered) / max(trackingSeconds, 1e-9)
        print(String(format: "video %@: %dx%d, %.1f fps, %.1f s; detect_fps %@; chain: %@",
                     video, single.width, single.height, single.videoFPS, single.videoSeconds,
                     detectFps.map { String(format: "%g", $0) } ?? "every frame", motion ? "motion → tracking" : "tracking"))
        print(String(format: "1 camera: frames=%d tracking_calls=%d skipped=%d call_p50_ms=%.2f call_p99_ms=%.2f tracking_fps=%.0f (frames offered / time in tracking calls) decode_and_chain_fps=%.0f",
                     single.framesOffered, calls.count, single.framesOffered - calls.count, percentile(calls, 0.5) * 1000,
                     percentile(calls, 0.99) * 1000, fps, Double(single.framesOffered) / single.wallSeconds))
        // 2. The chain's CPU time (every thread), over frames held in memory: no decoding in the way.
        let held = try camera.decode(limit: 400)
        let cpuBefore = ProcessCPU.seconds()
        let inMemory = try camera.run(index: 0, held: held)
        let chainCPU = max(ProcessCPU.seconds() - cpuBefore, 1e-9)
        print(String(format: "1 camera over %d frames held in RAM: chain CPU (motion + tracking, every thread) %.2f ms per frame = %.0f frames per CPU-second; tracking call p50_ms=%.2f",
                     inMemory.framesOffered, chainCPU * 1000 / Double(inMemory.framesOffered), Double(inMemory.framesOffered) / chainCPU,
                     percentile(inMemory.trackingDurations.sorted(), 0.5) * 1000))
        print("check: entered=\(single.entered) left=\(single.left) balanced=\(single.entered == single.left ? "yes" : "NO") line_crossings=\(single.crossings)")

        // 3. N cameras at once (each its own decoder and chain), against real time.
        if cameras > 1 {
            let before = ProcessCPU.seconds()
            let start = DispatchTime.now().uptimeNanoseconds
            let results = try TrackingBenchCamera.runConcurrently(camera, count: cameras)
            let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpu = ProcessCPU.seconds() - before
            let chainTimes = results.flatMap(\.chainDurations).sorted()
            let share = cpu / (single.videoSeconds * Double(cores))
            let balanced = results.allSatisfy { $0.entered == $0.left && $0.framesOffered == single.framesOffered }
            print(String(format: "%d cameras: wall_s=%.1f cpu_s=%.1f (decode + chain, every thread) for %.1f s of video each: cpu_share=%.1f%% of %d cores in real time; chain per frame p50_ms=%.1f p99_ms=%.1f max_ms=%.1f (budget %.0f ms per frame per camera); %@",
                         cameras, wall, cpu, single.videoSeconds, share * 100, cores, percentile(chainTimes, 0.5) * 1000,
                         percentile(chainTimes, 0.99) * 1000, (chainTimes.last ?? 0) * 1000,
                         1000 / (detectFps ?? single.videoFPS), wall <= single.videoSeconds ? "keeps up" : "SLOWER than real time"))
            print("check: every camera offered \(single.framesOffered) frames and balanced its tracks: \(balanced ? "yes" : "NO")")
        }
        print(String(format: "tracking frames=%d fps=%.0f tracks=%d", single.framesOffered, fps, single.entered))
    }

    private func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
    }
}

/// The process's CPU time so far (user + system, every thread).
enum ProcessCPU {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
