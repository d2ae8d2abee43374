import Foundation
import PluginAPI
import VigilConfig
import VigilRouter

/// A camera fed by a work queue (`source: "redis-queue://<list>"`): no loop of its own; a
/// consumer takes each job for it from the list and calls `process` with the job's image. The
/// events the chain produced for that image come back (snapshots written) for the router to
/// save together with the job. Used from one thread at a time.
package final class QueueCamera: @unchecked Sendable {
    package let camera: CameraConfig
    package let chain: DetectorChain
    private let collector: JobEventCollector
    private let snapshots: SnapshotStage
    private let lock = NSLock()
    private var frameNumber = 0
    private var rateWindowStart = DispatchTime.now().uptimeNanoseconds
    private var rateWindowFrames = 0
    private var measuredFPS = 0.0
    private var lastFrame: UInt64 = 0

    init(camera: CameraConfig, chain: DetectorChain, collector: JobEventCollector, snapshots: SnapshotStage) {
        self.camera = camera; self.chain = chain; self.collector = collector; self.snapshots = snapshots
    }

    /// True for `redis-queue://…` sources.
    package static func isQueueSource(_ source: String) -> Bool { source.hasPrefix("redis-queue://") }

    /// The list a queue source names (`redis-queue://jobs` → `jobs`); nil when it names none.
    package var queueName: String? {
        let name = String(camera.source.dropFirst("redis-queue://".count))
        return name.isEmpty ? nil : name
    }

    /// Runs the chain on one job's image; returns the events it produced for it.
    package func process(_ image: Image, timestamp: Timestamp) -> [NewEvent] {
        let number: Int = lock.withLock {
            defer { frameNumber += 1 }
            rateWindowFrames += 1
            let now = DispatchTime.now().uptimeNanoseconds
            lastFrame = now
            if now - rateWindowStart >= 1_000_000_000 {
                measuredFPS = Double(rateWindowFrames) / (Double(now - rateWindowStart) / 1e9)
                rateWindowStart = now; rateWindowFrames = 0
            }
            return frameNumber
        }
        collector.begin()
        chain.process(Frame(cameraID: camera.id, number: number, timestamp: timestamp, image: image,
                            annotations: FrameAnnotations()))
        return collector.end().map { snapshots.writeNow($0) }
    }

    /// Images processed per second lately (0 after 3 s without a job).
    package var fps: Double {
        lock.withLock {
            Double(DispatchTime.now().uptimeNanoseconds - lastFrame) / 1e9 < 3 ? measuredFPS : 0
        }
    }

    /// Images processed so far.
    package var processed: Int { lock.withLock { frameNumber } }

    /// Ends the chain (what detectors still hold goes the ordinary way) and the snapshot stage.
    package func finish() {
        chain.finish()
        snapshots.close()
    }
}

/// Catches the events a queue camera's chain delivers while a job runs.
final class JobEventCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var active = false
    private var events: [Event] = []

    func begin() { lock.withLock { active = true; events = [] } }

    func end() -> [Event] { lock.withLock { active = false; defer { events = [] }; return events } }

    /// Keeps `events` for the running job; false when no job runs (they go the ordinary way).
    func collect(_ new: [Event]) -> Bool {
        lock.withLock {
            guard active else { return false }
            events += new
            return true
        }
    }
}
