import Foundation
import Logging
import VigilPostgres

/// Saves events on its own thread: takes everything queued, writes it in one statement, commits,
/// and hands the rows to the publisher. While PostgreSQL is unreachable it appends to the spool
/// (fsynced) so cameras are never blocked by the database, and replays the spool in order once
/// PostgreSQL is back (also at start, after a crash).
final class EventWriter: @unchecked Sendable {
    private let databaseURL: String
    private let channel: String
    private let queue: BlockingQueue<NewEvent>
    private let spool: Spool
    private let publisher: Publisher
    private let logger: Logger
    private let stats: RouterStats
    private let maxBatch: Int
    private var store: EventStore?
    private var backoff = 0.1
    private var nextAttempt = Date.distantPast

    init(databaseURL: String, channel: String, queue: BlockingQueue<NewEvent>, spool: Spool, publisher: Publisher,
         logger: Logger, stats: RouterStats, maxBatch: Int = 5000) {
        self.databaseURL = databaseURL; self.channel = channel; self.queue = queue; self.spool = spool; self.publisher = publisher
        self.logger = logger; self.stats = stats; self.maxBatch = maxBatch
    }

    /// The thread body; returns once the queue is closed and everything is saved or spooled.
    func run() {
        reconnectIfDue()
        while true {
            let degraded = store == nil || spool.hasPending
            // A work-queue job's events stay together in one batch (see `saveJobs`).
            guard let batch = queue.popBatch(max: maxBatch, timeout: degraded ? 0.2 : nil,
                                             together: { $0.job != nil && $0.job === $1.job }) else { break }
            if !batch.isEmpty { save(batch) }
            if store == nil || spool.hasPending { reconnectIfDue() }
        }
        if spool.hasPending {
            nextAttempt = .distantPast
            reconnectIfDue()
            if spool.hasPending {
                logger.warning("Events remain spooled; they are saved at the next start",
                               metadata: ["spool.dir": "\(spool.directory)"])
            }
        }
        spool.seal()
    }

    private func save(_ batch: [NewEvent]) {
        // Work-queue jobs' events take their own path; camera events below are unchanged.
        var batch = batch
        if batch.contains(where: { $0.job != nil }) {
            saveJobs(batch.filter { $0.job != nil })
            batch.removeAll { $0.job != nil }
            if batch.isEmpty { return }
        }
        if let store, !spool.hasPending {
            do {
                let saved = try store.insert(batch)
                stats.add("saved", saved.count)
                publisher.submit(saved)
                return
            } catch let error as PostgresError where !error.connectionLost {
                // The server refused the batch itself: save what it accepts, one by one.
                saveOneByOne(batch, store: store, cause: error)
                return
            } catch {
                logger.error("PostgreSQL write failed, spooling events to disk",
                             metadata: ["error": "\(error)", "spool.dir": "\(spool.directory)"])
                self.store = nil
                nextAttempt = Date().addingTimeInterval(backoff)
            }
        }
        while true {
            do {
                try spool.append(batch)
                stats.add("spooled", batch.count)
                return
            } catch {
                // Disk full or unwritable: keep the batch and wait; the queue (and its policy) absorbs the rest.
                logger.critical("Spool write failed; retrying", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.5)
                if store != nil, !spool.hasPending { return save(batch) }
            }
        }
    }

    /// Work-queue jobs (`QueueJob`, from `redis-queue://` sources): their events are saved in one
    /// transaction with the jobs' claims, so a job run twice is saved once. They are never spooled:
    /// the job itself is the durable copy, so while PostgreSQL is unreachable the job is reported
    /// `notSaved` and goes back to its queue. A job PostgreSQL refuses is saved alone, job by job;
    /// one it still refuses is reported `rejected` and its events are kept in rejected.jsonl.
    private func saveJobs(_ events: [NewEvent]) {
        guard let store, !spool.hasPending else {
            Self.jobs(of: events).forEach { $0.finish(.notSaved("PostgreSQL is unavailable")) }
            return
        }
        do {
            let result = try store.insertClaiming(events)
            stats.add("saved", result.saved.count)
            publisher.submit(result.saved)
            let counts = Dictionary(grouping: result.saved, by: { ObjectIdentifier($0.event.job!) }).mapValues(\.count)
            let claimed = Set(result.claimed.map(ObjectIdentifier.init))
            for job in Self.jobs(of: events) {
                job.finish(claimed.contains(ObjectIdentifier(job)) ? .saved(counts[ObjectIdentifier(job)] ?? 0) : .alreadySaved)
            }
        } catch let error as PostgresError where !error.connectionLost {
            let jobs = Self.jobs(of: events)
            guard jobs.count > 1 else {
                events.forEach { stats.add("rejected"); spool.reject($0) }
                logger.error("Work-queue job refused by PostgreSQL, its events kept in rejected.jsonl",
                             metadata: ["queue.name": "\(jobs.first?.queue ?? "")", "error": "\(error)"])
                jobs.forEach { $0.finish(.rejected("PostgreSQL refused its events: \(error)")) }
                return
            }
            for job in jobs { saveJobs(events.filter { $0.job === job }) }
        } catch {
            logger.error("PostgreSQL write failed; work-queue jobs go back to their queue", metadata: ["error": "\(error)"])
            self.store = nil
            nextAttempt = Date().addingTimeInterval(backoff)
            Self.jobs(of: events).forEach { $0.finish(.notSaved("PostgreSQL write failed: \(error)")) }
        }
    }

    /// The distinct jobs of `events`, in order.
    private static func jobs(of events: [NewEvent]) -> [QueueJob] {
        var seen = Set<ObjectIdentifier>()
        return events.compactMap { $0.job }.filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// Inserts events one at a time after the server refused a whole batch; an event it refuses
    /// alone is written to `rejected.jsonl` in the spool folder and logged, never silently lost.
    private func saveOneByOne(_ batch: [NewEvent], store: EventStore, cause: PostgresError) {
        logger.error("PostgreSQL refused a batch; saving its events one by one", metadata: ["error": "\(cause)"])
        for event in batch {
            do {
                let saved = try store.insert([event])
                stats.add("saved", saved.count)
                publisher.submit(saved)
            } catch {
                stats.add("rejected")
                spool.reject(event)
                logger.error("Event refused by PostgreSQL, kept in rejected.jsonl",
                             metadata: ["camera.id": "\(event.cameraID)", "error": "\(error)"])
            }
        }
    }

    /// Replays `count` spooled events one at a time after the server refused them as a chunk;
    /// an event it refuses alone goes to `rejected.jsonl` and the replay moves past it.
    private func replayOneByOne(file: String, from start: Int, count: Int, store: EventStore, cause: PostgresError) throws -> Int {
        logger.error("PostgreSQL refused spooled events; replaying them one by one", metadata: ["error": "\(cause)"])
        var offset = start
        for _ in 0..<count {
            let (events, end) = try spool.read(file: file, from: offset, max: 1)
            guard let event = events.first else { break }
            do {
                let saved = try store.insertSpooled([event], file: file, replayedBytes: end)
                stats.add("saved", saved.count); stats.add("replayed", saved.count)
                publisher.submit(saved)
            } catch let error as PostgresError where !error.connectionLost {
                stats.add("rejected")
                spool.reject(event)
                try store.markSpooled(file: file, replayedBytes: end)
                logger.error("Spooled event refused by PostgreSQL, kept in rejected.jsonl",
                             metadata: ["camera.id": "\(event.cameraID)", "error": "\(error)"])
            }
            offset = end
        }
        return offset
    }

    private func reconnectIfDue() {
        guard Date() >= nextAttempt else { return }
        if store == nil {
            do {
                store = try EventStore(url: databaseURL, channel: channel)
                if backoff > 0.1 { logger.info("PostgreSQL reconnected") }
                backoff = 0.1
            } catch {
                if backoff == 0.1 { logger.error("PostgreSQL unavailable", metadata: ["error": "\(error)"]) }
                backoff = min(backoff * 2, 5)
                nextAttempt = Date().addingTimeInterval(backoff)
                return
            }
        }
        replaySpool()
    }

    /// Saves spooled events in order; each chunk's insert also records how far the file is replayed,
    /// atomically, so a crash mid-replay neither loses nor duplicates events.
    private func replaySpool() {
        guard let store else { return }
        spool.seal()
        for file in spool.pendingFiles() {
            do {
                var offset = try store.spoolPosition(file: file)
                while true {
                    let (events, end) = try spool.read(file: file, from: offset, max: maxBatch)
                    if events.isEmpty { break }
                    do {
                        let saved = try store.insertSpooled(events, file: file, replayedBytes: end)
                        stats.add("saved", saved.count); stats.add("replayed", saved.count)
                        publisher.submit(saved)
                        offset = end
                    } catch let error as PostgresError where !error.connectionLost {
                        offset = try replayOneByOne(file: file, from: offset, count: events.count, store: store, cause: error)
                    }
                }
                spool.remove(file: file)
                try store.forgetSpool(file: file)
                logger.info("Spooled events saved", metadata: ["spool.file": "\(file)"])
            } catch {
                logger.error("Spool replay failed", metadata: ["error": "\(error)", "spool.file": "\(file)"])
                self.store = nil
                nextAttempt = Date().addingTimeInterval(backoff)
                return
            }
        }
    }
}
