import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilIsolation
import VigilPipeline
import VigilPlugins

/// `vigil bench motion --isolation process`: the whole camera path (decode, then the detector
/// chain) with Motion in vigil's process and with Motion in a plugin worker, side by side in one
/// run (passes over the video alternate, so both see the same machine load). Each chain call is
/// timed; the difference of the two distributions is the latency isolation adds per frame. The
/// two sides must find the same events (checked and printed).
struct MotionIsolationBench {
    let video: String
    let library: String
    let seconds: Double

    struct Side {
        var frames = 0, events = 0, nanos: UInt64 = 0
        var calls: [UInt64] = []
        var fps: Double { Double(frames) / (Double(nanos) / 1e9) }
        func percentile(_ p: Double) -> Double {
            let sorted = calls.sorted()
            return sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
        }
    }

    func run(decodeFPS: Double) throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let plugin = try PluginLibrary.load(path: library, expecting: .detector)
        var entry = PluginEntry(name: "motion", library: library, config: [:], path: "bench", delivery: .null)
        entry.isolation = IsolationSettings(mode: .process)
        var launch = WorkerSupervisor.Launch()
        launch.stopWhenIdle = false
        let supervisor = WorkerSupervisor(entry: entry, kind: .detector, libraryPath: library, launch: launch, logger: logger)
        try supervisor.start()
        let camera = CameraConfig(worker: "bench", zones: [], lines: [])
        let pool = FramePool(name: "bench")

        var inProcess = Side(), isolated = Side(), synchronous = Side()
        var passes = 0
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            // A fresh detector per pass on each side, so both see the video from its start.
            let local = try plugin.descriptor.makeDetector(PluginContext(name: "motion", cameraID: "bench", config: [:],
                                                                         configPath: "bench.config", logger: PluginLogger { _, _, _ in }))
            try pass(VisionSource(video), detector: local, into: &inProcess, logger: logger)
            // As vigil runs it when Motion is last in the chain (one frame in flight)…
            let remote = try IsolatedDetector.make(supervisor: supervisor, camera: camera, emitter: nil, pool: pool,
                                                   pipelined: true, logger: logger)
            try pass(VisionSource(video, pool: pool), detector: remote, into: &isolated, logger: logger)
            // …and when detectors after it wait for its annotations (each frame's answer awaited).
            let waited = try IsolatedDetector.make(supervisor: supervisor, camera: camera, emitter: nil, pool: pool, logger: logger)
            try pass(VisionSource(video, pool: pool), detector: waited, into: &synchronous, logger: logger)
            passes += 1
        } while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds
        supervisor.stop()

        let ratio = isolated.fps / inProcess.fps
        print(String(format: "in-process pipeline fps=%.0f chain_p50_us=%.1f chain_p99_us=%.1f events_per_pass=%d",
                     inProcess.fps, inProcess.percentile(0.5), inProcess.percentile(0.99), inProcess.events / passes))
        print(String(format: "isolated pipeline (Motion last in the chain, one frame in flight) fps=%.0f chain_p50_us=%.1f chain_p99_us=%.1f events_per_pass=%d",
                     isolated.fps, isolated.percentile(0.5), isolated.percentile(0.99), isolated.events / passes))
        print(String(format: "isolated, answer awaited per frame (detectors after it) fps=%.0f chain_p50_us=%.1f chain_p99_us=%.1f events_per_pass=%d",
                     synchronous.fps, synchronous.percentile(0.5), synchronous.percentile(0.99), synchronous.events / passes))
        print(String(format: "isolation awaited ratio=%.1f%% added_p50_us=%.1f added_p99_us=%.1f",
                     100 * synchronous.fps / inProcess.fps, synchronous.percentile(0.5) - inProcess.percentile(0.5),
                     synchronous.percentile(0.99) - inProcess.percentile(0.99)))
        let same = inProcess.events == isolated.events && inProcess.events == synchronous.events
        print(String(format: "isolation passes=%d ratio=%.1f%% added_p50_us=%.1f added_p99_us=%.1f same_events=%@",
                     passes, 100 * ratio, isolated.percentile(0.5) - inProcess.percentile(0.5),
                     isolated.percentile(0.99) - inProcess.percentile(0.99), same ? "yes" : "NO"))
        print(String(format: "motion frames=%d fps=%.0f decode_fps=%.0f in_process_fps=%.0f isolation=process",
                     isolated.frames, isolated.fps, decodeFPS, inProcess.fps))
    }

    /// Decode and run the chain over the whole video, timing the loop and each chain call.
    private func pass(_ source: VisionSource, detector: any Detector, into side: inout Side, logger: Logger) throws {
        let counter = EventCounter()
        let chain = DetectorChain(links: [.init(name: "motion", detector: detector)], cameraID: "bench", logger: logger,
                                  emit: { counter.add($0.count) })
        var n = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        while let image = try source.read() {
            let frame = Frame(cameraID: "bench", number: n, timestamp: Timestamp(secondsSince1970: Double(n) / 10), image: image)
            let c0 = DispatchTime.now().uptimeNanoseconds
            chain.process(frame)
            side.calls.append(DispatchTime.now().uptimeNanoseconds - c0)
            n += 1
        }
        chain.finish()
        side.nanos += DispatchTime.now().uptimeNanoseconds - t0
        side.frames += n
        side.events += counter.value
    }
}

/// Counts events from the chain's emit (any thread).
final class EventCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add(_ k: Int) { lock.lock(); n += k; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
