import Foundation
import Logging
import PluginAPI
import VigilPipeline
import VigilPlugins

/// One camera of `vigil bench tracking`: decodes the video, samples it at `detect_fps` as the
/// camera loop does, and runs each frame through the host's `DetectorChain` (motion → tracking).
struct TrackingBenchCamera: Sendable {
    let video: String
    let detectFPS: Double?
    let tracking: PluginLibrary
    let config: JSONValue
    let motion: PluginLibrary?

    /// What one camera did.
    struct Result: Sendable {
        var width = 0, height = 0
        var videoFPS = 0.0, videoSeconds = 0.0
        var framesOffered = 0
        var trackingDurations: [Double] = []
        var chainDurations: [Double] = []
        var wallSeconds = 0.0
        var entered = 0, left = 0, crossings = 0
    }

    /// Counts what the chain emits (from outside the plugin).
    private final class Tally: @unchecked Sendable {
        let lock = NSLock()
        var entered = 0, left = 0, crossings = 0
        func add(_ events: [Event]) {
            lock.lock(); defer { lock.unlock() }
            for event in events {
                switch (event.type, event.data["tracking_action"]?.stringValue) {
                case ("tracking", "entered"): entered += 1
                case ("tracking", "left"): left += 1
                case ("line_crossing", _): crossings += 1
                default: break
                }
            }
        }
    }

    /// Decodes up to `limit` frames as `run` samples them, into memory: (frame number, picture).
    func decode(limit: Int) throws -> (frames: [(Int, Image)], fps: Double) {
        let source = try VisionSource(video)
        let fps = source.nominalFPS > 0 ? source.nominalFPS : 25
        let step = detectFPS.map { max(1, Int((fps / $0).rounded())) } ?? 1
        var frames: [(Int, Image)] = []
        var number = 0
        while frames.count < limit, let image = try source.read() {
            frames.append((number, image))
            number += 1
            if step > 1 { number += source.skip(step - 1) }
        }
        return (frames, fps)
    }

    /// Runs the chain over the video (decoding it as the camera loop does), or over `held` frames.
    func run(index: Int, held: (frames: [(Int, Image)], fps: Double)? = nil) throws -> Result {
        let camera = "bench-\(index)"
        let logger = Logger(label: "vigil.bench.tracking")
        func context(_ name: String, _ config: JSONValue) -> PluginContext {
            PluginContext(name: name, cameraID: camera, config: config, configPath: "bench.\(name).config", logger: PluginLogger { _, _, _ in })
        }
        var links: [DetectorChain.Link] = []
        if let motion {
            links.append(.init(name: "motion", detector: try motion.descriptor.makeDetector(context("motion", ["snapshot": false]))))
        }
        let timed = TimedDetector(try tracking.descriptor.makeDetector(context("tracking", config)))
        links.append(.init(name: "tracking", detector: timed))
        let tally = Tally()
        let chain = DetectorChain(links: links, cameraID: camera, logger: logger, emit: { tally.add($0) })

        let source = held == nil ? try VisionSource(video) : nil
        var result = Result()
        result.videoFPS = held?.fps ?? source.map { $0.nominalFPS > 0 ? $0.nominalFPS : 25 } ?? 25
        let step = detectFPS.map { max(1, Int((result.videoFPS / $0).rounded())) } ?? 1
        let start = DispatchTime.now().uptimeNanoseconds
        var number = 0, next = 0
        func nextFrame() throws -> (Int, Image)? {
            if let held {
                guard next < held.frames.count else { return nil }
                next += 1
                return held.frames[next - 1]
            }
            guard let source, let image = try source.read() else { return nil }
            defer { number += 1; if step > 1 { number += source.skip(step - 1) } }
            return (number, image)
        }
        while let (n, image) = try nextFrame() {
            result.width = image.width; result.height = image.height
            number = max(number, n + 1)
            let frame = Frame(cameraID: camera, number: n, timestamp: Timestamp(secondsSince1970: 1_700_000_000 + Double(n) / result.videoFPS),
                              image: image, annotations: FrameAnnotations())
            let t0 = DispatchTime.now().uptimeNanoseconds
            chain.process(frame)
            result.chainDurations.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            result.framesOffered += 1
        }
        chain.finish()
        result.wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        result.videoSeconds = Double(number) / result.videoFPS
        result.trackingDurations = timed.durations
        result.entered = tally.entered; result.left = tally.left; result.crossings = tally.crossings
        return result
    }

    /// Runs `count` cameras at once, one thread each.
    static func runConcurrently(_ camera: TrackingBenchCamera, count: Int) throws -> [Result] {
        final class Box: @unchecked Sendable { var results: [Result?]; var error: Error?; init(_ n: Int) { results = Array(repeating: nil, count: n) } }
        let box = Box(count)
        let lock = NSLock()
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let r = try camera.run(index: i)
                    lock.lock(); box.results[i] = r; lock.unlock()
                } catch {
                    lock.lock(); box.error = error; lock.unlock()
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        if let error = box.error { throw error }
        return box.results.compactMap { $0 }
    }
}
