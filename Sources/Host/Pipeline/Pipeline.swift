import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilIsolation
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
    /// How plugin workers are started (`"isolation": "process"` entries).
    package var launch = WorkerSupervisor.Launch()
    /// The cache and queues plugins reach through `PluginContext.store` (nil: none).
    package var store: (any SharedStore)?
    private let workers = SharedWorkers()

    package init(config: HostConfig, settings: Settings, plugins: PluginSet, router: Router, logger: Logger) {
        self.config = config; self.settings = settings; self.plugins = plugins; self.router = router; self.logger = logger
    }

    /// One loop per camera (but those fed by a work queue, see `makeQueueCameras`). A detector
    /// that fails to load or rejects its config is logged and left out; the camera runs with the rest.
    package func makeCameraLoops() -> [CameraLoop] {
        let isolated = isolatedPlugins()
        return config.cameras.filter { !QueueCamera.isQueueSource($0.source) }.map { camera in
            // A camera with an isolated detector decodes into memory its workers can map.
            let pool = camera.detectors.contains { plugins.isolatedDetectors[$0] != nil } ? FramePool(name: camera.id) : nil
            let (chain, snapshots) = makeChain(for: camera, isolated: isolated, pool: pool)
            let source = pool != nil && opener is VisionSourceOpener ? VisionSourceOpener(pool: pool) : opener
            return CameraLoop(camera: camera, chain: chain, opener: source, logger: logger, snapshots: snapshots,
                              onEnd: { snapshots.close() })
        }
    }

    /// The cameras whose source is `redis-queue://<list>`: their chains, run by a work-queue consumer.
    package func makeQueueCameras() -> [QueueCamera] {
        let isolated = isolatedPlugins()
        return config.cameras.filter { QueueCamera.isQueueSource($0.source) }.map { camera in
            let collector = JobEventCollector()
            let (chain, snapshots) = makeChain(for: camera, isolated: isolated, pool: nil, collector: collector)
            return QueueCamera(camera: camera, chain: chain, collector: collector, snapshots: snapshots)
        }
    }

    /// The workers of `"isolation": "process"` entries, started as cameras ask for them: one set for
    /// the whole pipeline, so file cameras and work-queue cameras naming an entry share its worker.
    private func isolatedPlugins() -> IsolatedPlugins {
        workers.lock.lock(); defer { workers.lock.unlock() }
        if let made = workers.plugins { return made }
        var launch = self.launch
        launch.stateRoot = HostConfig.absolute(settings.stateDir)
        launch.snapshotsDir = HostConfig.absolute(settings.snapshotsDir)
        let made = IsolatedPlugins(config: config, launch: launch, logger: logger)
        workers.plugins = made
        return made
    }

    /// A camera's detector chain, and the path its events take: rate limit, then (while a work-queue
    /// job runs) the job's collector, else snapshots and the router.
    private func makeChain(for camera: CameraConfig, isolated: IsolatedPlugins, pool: FramePool?,
                           collector: JobEventCollector? = nil) -> (DetectorChain, SnapshotStage) {
        let environment = PluginEnvironment(stateRoot: settings.stateDir,
                                            snapshots: SnapshotLocation(directory: HostConfig.absolute(settings.snapshotsDir)),
                                            store: store)
        var cameraLogger = logger
        cameraLogger[metadataKey: "camera.id"] = "\(camera.id)"
        let snapshots = SnapshotStage(cameraID: camera.id, settings: settings, router: router, logger: logger)
        let limiter = camera.maxEventsPerSecond.map { RateLimiter(camera: camera.id, rate: $0, stats: router.stats, logger: logger) }
        // Returned and emitted events take this one path.
        let deliver: @Sendable ([Event]) -> Void = { events in
            let admitted = limiter?.admit(events) ?? events
            if collector?.collect(admitted) != true { snapshots.submit(admitted) }
        }
        let links: [DetectorChain.Link] = camera.detectors.compactMap { name in
            var tagged = cameraLogger
            tagged[metadataKey: "plugin.name"] = "\(name)"
            let gate = EmitterGate(name: name, logger: tagged)
            do {
                if let entry = plugins.isolatedDetectors[name] {
                    // Last in the chain, nothing reads its annotations: it may run one frame behind.
                    let detector = try IsolatedDetector.make(supervisor: try isolated.supervisor(for: entry, kind: .detector),
                                                             camera: camera, emitter: gate.emitter(deliver), pool: pool,
                                                             pipelined: name == camera.detectors.last && collector == nil,
                                                             logger: logger)
                    return DetectorChain.Link(name: name, detector: detector, maxProcessMS: entry.maxProcessMS, gate: gate)
                }
                guard let plugin = plugins.detectors[name] else { return nil }
                let detector = try plugins.makeDetector(plugin, camera: camera, emitter: gate.emitter(deliver),
                                                        environment: environment, file: config.file, logger: logger)
                return DetectorChain.Link(name: name, detector: detector, maxProcessMS: plugin.entry.maxProcessMS, gate: gate)
            } catch {
                logger.error("Detector not started", metadata: ["camera.id": "\(camera.id)", "error": "\(error)"])
                return nil
            }
        }
        return (DetectorChain(links: links, cameraID: camera.id, logger: cameraLogger, emit: deliver), snapshots)
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
            stats.add(.rateLimited)
            if dropped % 1000 == 1 {
                logger.warning("Camera event rate limit: events dropped", metadata: [
                    "camera.id": "\(camera)", "events.dropped": "\(dropped)", "limit_per_s": "\(bucket.rate)"])
            }
            return false
        }
    }
}

/// The pipeline's one `IsolatedPlugins`, made on first use (a class, so copies of the struct share it).
private final class SharedWorkers: @unchecked Sendable {
    let lock = NSLock()
    var plugins: IsolatedPlugins?
}
