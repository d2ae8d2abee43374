import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilRouter

/// Writes event snapshots as PNG off the frame loop, then passes the events to the router, in
/// the camera's order. A write failure (full disk, unwritable folder) is logged and the event is
/// still saved, with `snapshot_path` null.
final class SnapshotStage: @unchecked Sendable {
    private let cameraID: String
    private let enabled: Bool
    private let root: String
    private let router: Router
    private let logger: Logger
    private let queue = BlockingQueue<Event>(capacity: 256)
    private let startLock = NSLock()
    private var started = false
    private let done = DispatchGroup()

    init(cameraID: String, settings: Settings, router: Router, logger: Logger) {
        self.cameraID = cameraID; self.enabled = settings.enableSnapshots
        self.root = settings.snapshotsDir; self.router = router; self.logger = logger
    }

    /// Takes a detector's events; returns once they are queued (waits if the writer is far behind).
    func submit(_ events: [Event]) {
        // Once the writer thread runs, every event goes through it so the camera's order holds.
        guard enabled, events.contains(where: { $0.snapshot != nil }) || isStarted else {
            events.forEach { router.submit(Self.newEvent($0, snapshotPath: nil)) }
            return
        }
        startIfNeeded()
        events.forEach { queue.push($0) }
    }

    private var isStarted: Bool { startLock.lock(); defer { startLock.unlock() }; return started }

    private func startIfNeeded() {
        startLock.lock(); defer { startLock.unlock() }
        guard !started else { return }
        started = true
        done.enter()
        let thread = Thread { [self] in
            while let batch = queue.popBatch(max: 64) {
                for event in batch { router.submit(Self.newEvent(event, snapshotPath: write(event))) }
            }
            done.leave()
        }
        thread.name = "snapshots-\(cameraID)"
        thread.start()
    }

    /// Writes what is queued, hands it to the router and ends the thread.
    func close() {
        queue.close()
        done.wait()
    }

    /// Writes the snapshot; returns the path to store (relative, starting with SNAPSHOTS_DIR's name).
    private func write(_ event: Event) -> String? {
        guard let image = event.snapshot else { return nil }
        let relative = Self.relativePath(event, root: root)
        let full = URL(fileURLWithPath: root).deletingLastPathComponent().appendingPathComponent(relative).path
        do {
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try VisionImage.writePNG(image, to: full)
            return relative
        } catch {
            logger.error("Snapshot not written; event saved without it",
                         metadata: ["camera.id": "\(cameraID)", "path": "\(full)", "error": "\(error)"])
            return nil
        }
    }

    /// `snapshots/YYYY-MM-DD/<camera_id>/<kind>_<frame>_<epoch>.png`
    static func relativePath(_ event: Event, root: String) -> String {
        let day = String(EventJSON.isoMillisZ(event.timestamp).prefix(10))
        let safe = { (s: String) in String(s.map { $0.isLetter || $0.isNumber || "-_".contains($0) ? $0 : "_" }) }
        let base = URL(fileURLWithPath: root).lastPathComponent
        let epoch = Int(event.timestamp.secondsSince1970)
        return "\(base)/\(day)/\(safe(event.cameraID))/\(safe(event.snapshotKind))_\(event.frameNumber)_\(epoch).png"
    }

    static func newEvent(_ e: Event, snapshotPath: String?) -> NewEvent {
        NewEvent(type: e.type, cameraID: e.cameraID, frameNumber: e.frameNumber, timestamp: e.timestamp,
                 snapshotPath: snapshotPath, data: e.data)
    }
}
