import Foundation
import Logging
import PluginAPI
import VigilConfig

/// One camera: reads frames, samples them at the detect fps, runs each through the camera's
/// detector chain, which emits their events. Runs on its own thread; a detector error is logged with
/// `plugin.name` and never stops the camera; a dropped stream is reopened with backoff.
package final class CameraLoop: @unchecked Sendable {
    package enum State: String, Sendable { case starting, running, reconnecting, finished, failed, stopped }

    package let camera: CameraConfig
    /// The camera's detectors, in order.
    package let chain: DetectorChain
    private let opener: any FrameSourceOpener
    private let onEnd: @Sendable () -> Void
    private let logger: Logger
    private let lock = NSLock()
    private var stopRequested = false
    private var _state = State.starting
    private(set) var framesRead = 0
    private(set) var framesProcessed = 0
    private var rateWindowStart = DispatchTime.now().uptimeNanoseconds
    private var rateWindowFrames = 0
    private var measuredFPS = 0.0

    init(camera: CameraConfig, chain: DetectorChain, opener: any FrameSourceOpener, logger: Logger,
         onEnd: @escaping @Sendable () -> Void = {}) {
        self.camera = camera; self.chain = chain; self.opener = opener; self.onEnd = onEnd
        var logger = logger
        logger[metadataKey: "camera.id"] = "\(camera.id)"
        self.logger = logger
    }

    package var state: State { lock.lock(); defer { lock.unlock() }; return _state }

    /// Frames given to detectors per second, over the last second or so (0 once stopped).
    package var fps: Double {
        lock.lock(); defer { lock.unlock() }
        let idle = Double(DispatchTime.now().uptimeNanoseconds - rateWindowStart) / 1e9
        return _state == .running && idle < 3 ? measuredFPS : 0
    }

    /// A consistent reading of the loop's counters, for the status page and metrics.
    package var counters: (read: Int, processed: Int, errors: Int) {
        let errors = chain.stats.reduce(0) { $0 + $1.counters.errors }
        lock.lock(); defer { lock.unlock() }
        return (framesRead, framesProcessed, errors)
    }
    private func set(_ s: State) { lock.lock(); _state = s; lock.unlock() }
    private var stopping: Bool { lock.lock(); defer { lock.unlock() }; return stopRequested }

    /// Asks the loop to end after the current frame.
    func stop() { lock.lock(); stopRequested = true; lock.unlock() }

    /// The thread body: returns when the source ends (files), fails for good, or on `stop()`.
    func run() {
        var backoff = 1.0
        let live = HostConfig.looksLikeURL(camera.source)
        var frameNumber = 0
        let startWall = Date().timeIntervalSince1970
        while !stopping {
            let source: any FrameSource
            do {
                source = try opener.open(camera.source)
                backoff = 1
            } catch {
                guard live else {
                    logger.error("Camera source cannot be opened", metadata: ["error": "\(error)"])
                    set(.failed); finish(); return
                }
                set(.reconnecting)
                logger.warning("Camera stream unavailable, retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                sleep(seconds: backoff)
                backoff = min(backoff * 2, 30)
                continue
            }
            set(.running)
            logger.info("Camera started", metadata: ["source": "\(camera.source)", "fps": "\(source.nominalFPS)"])
            let ended = play(source, frameNumber: &frameNumber, startWall: startWall)
            if stopping { break }
            if ended && !source.isLive && !camera.loop { set(.finished); finish(); return }
            if !ended || source.isLive { logger.warning("Camera stream dropped, reopening"); set(.reconnecting); sleep(seconds: 1) }
        }
        set(.stopped)
        finish()
    }

    /// Reads until the source ends (true) or fails (false).
    private func play(_ source: any FrameSource, frameNumber: inout Int, startWall: Double) -> Bool {
        let fps = source.nominalFPS > 0 ? source.nominalFPS : 25
        let step = camera.detectFPS.map { max(1, Int((fps / $0).rounded())) } ?? 1
        let playStart = Date().timeIntervalSince1970
        let firstFrame = frameNumber
        var nextLiveDue = 0.0
        while !stopping {
            let image: Image?
            do { image = try source.read() } catch {
                logger.error("Frame read failed", metadata: ["error": "\(error)"])
                if source.isLive { return false }
                frameNumber += 1
                continue
            }
            guard let image else { return true }
            lock.lock(); framesRead += 1; lock.unlock()
            let number = frameNumber
            frameNumber += 1
            let now = Date().timeIntervalSince1970
            let wall: Double
            if source.isLive {
                wall = now
                if let detect = camera.detectFPS {
                    if now < nextLiveDue { continue }
                    nextLiveDue = max(nextLiveDue + 1 / detect, now)
                }
            } else {
                wall = startWall + Double(number) / fps
                if camera.realtime {
                    let due = playStart + Double(number - firstFrame) / fps
                    if due > now { sleep(seconds: due - now) }
                }
                if step > 1 { frameNumber += source.skip(step - 1) }
            }
            process(Frame(cameraID: camera.id, number: number, timestamp: Timestamp(secondsSince1970: wall), image: image,
                          annotations: FrameAnnotations()))
        }
        return true
    }

    private func process(_ frame: Frame) {
        lock.lock()
        framesProcessed += 1
        rateWindowFrames += 1
        let now = DispatchTime.now().uptimeNanoseconds
        if now - rateWindowStart >= 1_000_000_000 {
            measuredFPS = Double(rateWindowFrames) / (Double(now - rateWindowStart) / 1e9)
            rateWindowStart = now
            rateWindowFrames = 0
        }
        lock.unlock()
        chain.process(frame)
    }

    private func finish() {
        chain.finish()
        onEnd()
        logger.info("Camera stopped", metadata: ["state": "\(state.rawValue)", "frames": "\(framesRead)"])
    }

    private func sleep(seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !stopping, Date() < end { Thread.sleep(forTimeInterval: min(0.1, end.timeIntervalSinceNow)) }
    }
}
