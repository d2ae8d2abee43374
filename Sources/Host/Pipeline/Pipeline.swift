import Foundation
import Logging
import PluginAPI

/// Builds the running pieces from the configuration: plugin instances per camera, camera loops,
/// and the path from a detector's event to the router.
struct Pipeline {
    let config: HostConfig
    let settings: Settings
    let router: Router
    let logger: Logger
    var opener: any FrameSourceOpener = VisionSourceOpener()

    /// One loop per camera. A detector that fails to load or rejects its config is logged and
    /// left out; the camera runs with the rest.
    func makeCameraLoops() -> [CameraLoop] {
        let plugins = PluginSet.load(config)
        plugins.failures.forEach { logger.error("Plugin not loaded", metadata: ["error": "\($0)"]) }
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
            return CameraLoop(camera: camera, detectors: detectors, opener: opener, logger: logger,
                              emit: { snapshots.submit($0) }, onEnd: { snapshots.close() })
        }
    }
}
