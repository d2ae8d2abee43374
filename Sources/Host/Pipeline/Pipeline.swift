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
        return config.cameras.map { camera in
            let detectors: [BoundDetector] = camera.detectors.compactMap { name in
                guard let plugin = plugins.detectors[name] else { return nil }
                do {
                    return BoundDetector(name: name, detector: try plugins.makeDetector(
                        plugin, cameraID: camera.id, file: config.file, logger: logger))
                } catch {
                    logger.error("Detector not started", metadata: ["camera.id": "\(camera.id)", "error": "\(error)"])
                    return nil
                }
            }
            let snapshots = SnapshotStage(cameraID: camera.id, settings: settings, router: router, logger: logger)
            let limiter = camera.maxEventsPerSecond.map { RateLimiter(camera: camera.id, rate: $0, stats: router.stats, logger: logger) }
            return CameraLoop(camera: camera, detectors: detectors, opener: opener, logger: logger,
                              emit: { snapshots.submit(limiter?.admit($0) ?? $0) }, onEnd: { snapshots.close() })
        }
    }
}

/// A camera's event rate limit: events over the bucket are dropped, counted (`rate_limited`)
/// and logged (the first, then every 1,000th). Used from the camera's thread only.
final class RateLimiter: @unchecked Sendable {
    private var bucket: TokenBucket
    private let camera: String
    private let stats: RouterStats
    private let logger: Logger
    private var dropped = 0

    init(camera: String, rate: Double, stats: RouterStats, logger: Logger) {
        bucket = TokenBucket(rate: rate)
        self.camera = camera; self.stats = stats; self.logger = logger
    }

    /// The events the bucket lets through, judged on each event's own timestamp.
    func admit(_ events: [Event]) -> [Event] {
        events.filter { event in
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
