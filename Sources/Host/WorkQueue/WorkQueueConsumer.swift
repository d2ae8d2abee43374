import Foundation
import Logging
import PluginAPI
import VigilPipeline
import VigilRedisClient
import VigilRouter

/// Takes jobs from one list on a thread of its own: BLMOVE into this host's processing list, run
/// the job's camera chain on its image, hand the events to the router as one job. The job leaves
/// the processing list only when the router says its events are saved (or were already saved,
/// or can never be); if PostgreSQL is down it goes back to the queue. A bad job (unreadable,
/// unknown camera, missing image) goes to `<list>:failed` with the reason.
final class WorkQueueConsumer: @unchecked Sendable {
    let keys: WorkQueueKeys
    private let cameras: [String: QueueCamera]
    private let client: RedisClient
    private let router: Router
    private let logger: Logger
    private let condition = NSCondition()
    private var stopping = false
    private var inFlight = 0
    private var pauseUntil = Date.distantPast
    private let exited = DispatchSemaphore(value: 0)
    private var counts = (done: 0, duplicates: 0, failed: 0, requeued: 0)
    private let maxInFlight = 1000
    /// Whether the last Redis call of this consumer's thread failed (only that thread reads it).
    private var unreachable = false

    init(keys: WorkQueueKeys, cameras: [QueueCamera], client: RedisClient, router: Router, logger: Logger) {
        self.keys = keys; self.client = client; self.router = router
        self.cameras = Dictionary(cameras.map { ($0.camera.id, $0) }, uniquingKeysWith: { a, _ in a })
        var logger = logger
        logger[metadataKey: "queue.name"] = "\(keys.queue)"
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in run(); exited.signal() }
        thread.name = "queue-\(keys.queue)"
        thread.start()
    }

    /// Stops taking jobs; the job being run is finished first.
    func stop() { condition.withLock { stopping = true; condition.broadcast() } }

    /// Waits (off the cooperative pool) for the thread, then up to `seconds` for the router's word on
    /// the jobs handed over; returns how many are still unanswered.
    func drain(seconds: Double) async -> Int {
        await withCheckedContinuation { (c: CheckedContinuation<Int, Never>) in
            Thread.detachNewThread { [self] in
                exited.wait()
                let deadline = Date(timeIntervalSinceNow: seconds)
                condition.lock()
                while inFlight > 0, condition.wait(until: deadline) {}
                let left = inFlight
                condition.unlock()
                c.resume(returning: left)
            }
        }
    }

    /// Jobs done, found already saved, set aside, put back so far.
    var totals: (done: Int, duplicates: Int, failed: Int, requeued: Int) { condition.withLock { counts } }

    private var isStopping: Bool { condition.withLock { stopping } }

    private func run() {
        reclaimEarlierJobs()
        while !isStopping {
            waitForRoom()
            guard let taken = reachable({ [keys, client] in try await keys.take(client, timeout: .seconds(1)) }) else { continue }
            if let job = taken { handle(job) }
        }
    }

    /// Jobs that an earlier run under the same host id (a fixed `VIGIL_HOST_ID`) took and never
    /// finished go back to the queue before this run takes any; no reaper would (it skips its own id).
    /// Retries while Redis is unreachable.
    private func reclaimEarlierJobs() {
        while !isStopping {
            guard let moved = reachable({ [keys, client] in try await keys.requeueAll(of: keys.host, client) }) else { continue }
            if moved > 0 {
                logger.warning("Work queue: jobs an earlier run of this host left unfinished are back in the queue",
                               metadata: ["jobs": "\(moved)", "host.id": "\(keys.host)"])
            }
            return
        }
    }

    /// Runs a Redis call from this thread; nil when it failed: logged once per outage, then a
    /// second's pause (the caller tries again).
    private func reachable<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> T? {
        do {
            let value = try Await.run(body)
            if unreachable { logger.info("Work queue reachable again") }
            unreachable = false
            return value
        } catch {
            if !unreachable { logger.error("Work queue unreachable; retrying", metadata: ["error": "\(error)"]) }
            unreachable = true
            sleep(1)
            return nil
        }
    }

    /// Bounds the jobs waiting for the router, and pauses after PostgreSQL turned jobs away.
    private func waitForRoom() {
        condition.lock(); defer { condition.unlock() }
        while !stopping, inFlight >= maxInFlight || Date() < pauseUntil {
            // Woken by an answered job (broadcast); a pause ends by itself.
            _ = condition.wait(until: Date() < pauseUntil ? pauseUntil : Date(timeIntervalSinceNow: 1))
        }
    }

    private func sleep(_ seconds: Double) {
        condition.lock(); defer { condition.unlock() }
        let until = Date(timeIntervalSinceNow: seconds)
        while !stopping, condition.wait(until: until) {}
    }

    private func handle(_ payload: String) {
        do {
            let job = try WorkQueueJob(parsing: payload)
            guard let camera = cameras[job.cameraID] else { throw WorkQueueError.unknownCamera(job.cameraID, queue: keys.queue) }
            let image: Image
            do { image = try VisionImage.read(path: job.imagePath) } catch { throw WorkQueueError.image("\(error)") }
            let events = camera.process(image, timestamp: job.timestamp)
            condition.withLock { inFlight += 1 }
            guard !events.isEmpty else { return finished(payload, .saved(0)) }
            router.submit(events, job: QueueJob(queue: keys.queue, payload: payload) { [self] in finished(payload, $0) })
        } catch {
            setAside(payload, reason: "\(error)")
        }
    }

    /// The router's word on a job (from the writer's thread: the Redis work runs in a task).
    private func finished(_ payload: String, _ outcome: QueueJob.Outcome) {
        Task { [self] in
            do {
                switch outcome {
                case .saved:
                    try await keys.acknowledge(payload, client)
                    count { $0.done += 1 }
                case .alreadySaved:
                    try await keys.acknowledge(payload, client)
                    count { $0.duplicates += 1 }
                    logger.info("Work-queue job was already saved; acknowledged without saving again")
                case .notSaved(let reason):
                    try await keys.requeue(payload, client)
                    count { $0.requeued += 1 }
                    condition.withLock { pauseUntil = Date(timeIntervalSinceNow: 1) }
                    logger.warning("Work-queue job not saved; back in the queue", metadata: ["reason": "\(reason)"])
                case .rejected(let reason):
                    await setAsideNow(payload, reason: reason)
                }
            } catch {
                // Left in the processing list: requeued at shutdown, or by another host's reaper.
                logger.error("Work-queue job outcome not recorded in Redis", metadata: ["error": "\(error)"])
            }
            condition.withLock { inFlight -= 1; condition.broadcast() }
        }
    }

    private func setAside(_ payload: String, reason: String) {
        Await.runQuietly { [self] in await setAsideNow(payload, reason: reason) }
    }

    private func setAsideNow(_ payload: String, reason: String) async {
        let entry: JSONValue = ["job": .string(payload), "reason": .string(reason), "host": .string(keys.host),
                                "failed_at": .string(ISO8601DateFormatter().string(from: Date()))]
        let text = (try? JSONEncoder().encode(entry)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        do { try await keys.setAside(payload, entry: text, client) } catch {
            logger.error("Work-queue job could not be set aside", metadata: ["error": "\(error)"])
        }
        count { $0.failed += 1 }
        logger.error("Work-queue job set aside", metadata: ["reason": "\(reason)", "queue.failed": "\(keys.failed)"])
    }

    private func count(_ change: (inout (done: Int, duplicates: Int, failed: Int, requeued: Int)) -> Void) {
        condition.withLock { change(&counts) }
    }
}

/// Runs async work from a plain thread and waits for it (the thread is ours, not the pool's).
enum Await {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<Result<T, Error>>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.value = .success(try await body()) } catch { box.value = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.value!.get()
    }

    static func runQuietly(_ body: @escaping @Sendable () async -> Void) {
        _ = try? run { await body() }
    }

    private final class Box<V>: @unchecked Sendable { var value: V? }
}
