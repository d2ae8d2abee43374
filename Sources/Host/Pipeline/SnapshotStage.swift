import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilRouter

/// Writes a camera's event snapshots as PNG off the frame loop, then passes the events on (to the
/// router), in the camera's order. Memory is bounded in bytes (`SNAPSHOT_QUEUE_MB` of pixels per
/// camera): an event whose snapshot does not fit is passed on without it — its snapshot is skipped
/// and counted, the event is saved with `snapshot_path` null. A write failure (full disk, unwritable
/// folder) is logged and counted, and the event is saved the same way.
package final class SnapshotStage: @unchecked Sendable {
    /// What the stage has done so far.
    package struct Counters: Sendable, Equatable {
        /// Snapshot files written (an image shared by several events of one frame counts once).
        package var written = 0
        /// Snapshots dropped because the queue held its byte limit.
        package var skipped = 0
        /// Snapshots that could not be written.
        package var failed = 0
    }

    private struct Item {
        var event: Event
        /// Whether `event.snapshot` is counted in the budget.
        var reserved: Bool
    }

    private let cameraID: String
    private let enabled: Bool
    private let files: SnapshotFiles
    private let deliver: @Sendable (NewEvent) -> Void
    private let logger: Logger
    private let budget: SnapshotBudget
    /// Events waiting; those without an image cost little, so the count bound only stops a runaway.
    private let queue = BlockingQueue<Item>(capacity: 100_000)
    private let lock = NSLock()
    private var started = false
    private var counts = Counters()
    private var lastSkipLog = 0.0
    private let done = DispatchGroup()

    /// `deliver` gets each event once its snapshot is written or skipped.
    init(cameraID: String, enabled: Bool, root: String, maxQueuedBytes: Int, logger: Logger,
         deliver: @escaping @Sendable (NewEvent) -> Void) {
        self.cameraID = cameraID; self.enabled = enabled; self.deliver = deliver; self.logger = logger
        files = SnapshotFiles(root: root)
        budget = SnapshotBudget(limit: maxQueuedBytes)
    }

    convenience init(cameraID: String, settings: Settings, router: Router, logger: Logger) {
        self.init(cameraID: cameraID, enabled: settings.enableSnapshots, root: settings.snapshotsDir,
                  maxQueuedBytes: settings.snapshotQueueBytes, logger: logger, deliver: { _ = router.submit($0) })
    }

    /// What the stage has done so far.
    package var counters: Counters { lock.lock(); defer { lock.unlock() }; return counts }

    /// Bytes of pixels waiting to be written.
    package var queuedBytes: Int { budget.bytesHeld }

    /// Takes a detector's events; returns once they are queued, without waiting for any write.
    func submit(_ events: [Event]) {
        // Once the writer thread runs, every event goes through it so the camera's order holds.
        guard enabled, events.contains(where: { $0.snapshot != nil }) || isStarted else {
            events.forEach { deliver(Self.newEvent($0, snapshotPath: nil)) }
            return
        }
        startIfNeeded()
        for var event in events {
            var reserved = false
            if let image = event.snapshot {
                reserved = budget.reserve(image)
                if !reserved { event.snapshot = nil; skipped() }
            }
            if !queue.push(Item(event: event, reserved: reserved)) {
                // Closed (shutting down): pass it on without its snapshot rather than lose it.
                if reserved, let image = event.snapshot { budget.release(image) }
                deliver(Self.newEvent(event, snapshotPath: nil))
            }
        }
    }

    /// Writes what is queued, passes it on and ends the thread.
    func close() {
        queue.close()
        done.wait()
    }

    private var isStarted: Bool { lock.lock(); defer { lock.unlock() }; return started }

    private func startIfNeeded() {
        lock.lock(); defer { lock.unlock() }
        guard !started else { return }
        started = true
        done.enter()
        let thread = Thread { [self] in
            while let batch = queue.popBatch(max: 64) {
                for item in batch {
                    let path = write(item.event)
                    if item.reserved, let image = item.event.snapshot { budget.release(image) }
                    deliver(Self.newEvent(item.event, snapshotPath: path))
                }
            }
            done.leave()
        }
        thread.name = "snapshots-\(cameraID)"
        thread.start()
    }

    /// Writes `event`'s snapshot now, on the caller's thread, and returns the event as the router
    /// takes it (work-queue jobs: their events are saved as a group, not one by one).
    func writeNow(_ event: Event) -> NewEvent {
        Self.newEvent(event, snapshotPath: enabled ? write(event) : nil)
    }

    /// Writes the snapshot; returns the path to store (relative, starting with SNAPSHOTS_DIR's name).
    private func write(_ event: Event) -> String? {
        guard let image = event.snapshot else { return nil }
        do {
            let file = try files.write(image, for: event)
            if file.new { lock.lock(); counts.written += 1; lock.unlock() }
            return file.path
        } catch {
            lock.lock(); counts.failed += 1; lock.unlock()
            logger.error("Snapshot not written; event saved without it",
                         metadata: ["camera.id": "\(cameraID)", "error": "\(error)"])
            return nil
        }
    }

    private func skipped() {
        lock.lock()
        counts.skipped += 1
        let n = counts.skipped
        let now = Date().timeIntervalSince1970
        let log = now - lastSkipLog >= 10
        if log { lastSkipLog = now }
        lock.unlock()
        if log {
            logger.warning("Snapshot queue full: snapshots skipped, their events saved without one", metadata: [
                "camera.id": "\(cameraID)", "snapshots.skipped": "\(n)", "queue.bytes": "\(budget.bytesHeld)",
                "queue.max_bytes": "\(budget.limit)"])
        }
    }

    /// `snapshots/YYYY-MM-DD/<camera_id>/<kind>_<frame>_<epoch>.png`
    static func relativePath(_ event: Event, root: String) -> String { SnapshotFiles.relativePath(event, root: root) }

    static func newEvent(_ e: Event, snapshotPath: String?) -> NewEvent {
        NewEvent(type: e.type, cameraID: e.cameraID, frameNumber: e.frameNumber, timestamp: e.timestamp,
                 snapshotPath: snapshotPath, data: e.data)
    }
}
