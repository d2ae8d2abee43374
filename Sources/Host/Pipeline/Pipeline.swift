import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPlugins
import VigilRouter

/// Builds the running pieces from the configuration: plugin instances per camera, camera loops,
/// and the path from a detector's event to the router.
package struct Pipeline {
    let config: HostConfig
    let settings: Settings
    let plugins: PluginSet
    let router: Router
    let logger: Logger
    var opener: any FrameSourceOpener = VisionSourceOpener()

    package init(config: HostConfig, settings: Settings, plugins: PluginSet, router: Router, logger: Logger) {
        self.config = config; self.settings = settings; self.plugins = plugins; self.router = router; self.logger = logger
    }

    /// One loop per camera. A detector that fails to load or rejects its config is logged and
    /// left out; the camera runs with the rest.
    package func makeCameraLoops() -> [CameraLoop] {
        let environment = PluginEnvironment(stateRoot: settings.stateDir,
                                            snapshots: SnapshotLocation(directory: HostConfig.absolute(settings.snapshotsDir)))
        return config.cameras.map { camera in
            var cameraLogger = logger
            cameraLogger[metadataKey: "camera.id"] = "\(camera.id)"
            let snapshots = SnapshotStage(cameraID: camera.id, settings: settings, router: router, logger: logger)
            let limiter = camera.maxEventsPerSecond.map { RateLimiter(camera: camera.id, rate: $0, stats: router.stats, logger: logger) }
            // Returned and emitted events take this one path: rate limit, snapshots, router.
            let deliver: @Sendable ([Event]) -> Void = { snapshots.submit(limiter?.admit($0) ?? $0) }
            let links: [DetectorChain.Link] = camera.detectors.compactMap { name in
                guard let plugin = plugins.detectors[name] else { return nil }
                var tagged = cameraLogger
                tagged[metadataKey: "plugin.name"] = "\(name)"
                let gate = EmitterGate(name: name, logger: tagged)
                do {
                    let detector = try plugins.makeDetector(plugin, camera: camera, emitter: gate.emitter(deliver),
                                                            environment: environment, file: config.file, logger: logger)
                    return DetectorChain.Link(name: name, detector: detector, maxProcessMS: plugin.entry.maxProcessMS, gate: gate)
                } catch {
                    logger.error("Detector not started", metadata: ["camera.id": "\(camera.id)", "error": "\(error)"])
                    return nil
                }
            }
            let chain = DetectorChain(links: links, cameraID: camera.id, logger: cameraLogger, emit: deliver)
            return CameraLoop(camera: camera, chain: chain, opener: opener, logger: logger, onEnd: { snapshots.close() })
        }
    }
}

/// A camera's event rate limit: events over the bucket are dropped, counted (`rate_limited`)
/// and logged (the first, then every 1,000th). Used from the camera's thread and from emitters.
final class RateLimiter: @unchecked Sendable {
    private var bucket: TokenBucket
    private let camera: String
    private let stats: RouterStats
    private let logger: Logger
    private var dropped = 0
    private let lock = NSLock()

    init(camera: String, rate: Double, stats: RouterStats, logger: Logger) {
        bucket = TokenBucket(rate: rate)
        self.camera = camera; self.stats = stats; self.logger = logger
    }

    /// The events the bucket lets through, judged on each event's own timestamp.
    func admit(_ events: [Event]) -> [Event] {
        lock.lock(); defer { lock.unlock() }
        return events.filter { event in
            if bucket.take(now: event.timestamp.secondsSince1970) { return true }
            dropped += 1
            stats.add("rate_limited")
            if dropped % 1000 == 1 {
                logger.warning("Camera event rate limit: events dropped", metadata: [
                    "camera.id": "\(camera)", "events.dropped": "\(dropped)", "limit_per_s": "\(bucket.rate)"])
            }
            return false
        }
    }
}
