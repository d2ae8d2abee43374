import Foundation
import Logging
import VigilPostgres

/// Saves events on its own thread: takes what is queued (the batch), saves it in one statement and
/// hands the rows on (publisher, sinks). While PostgreSQL is unreachable the batch goes to the spool
/// (fsynced), replayed in order once PostgreSQL is back. While neither takes it (disk full and
/// PostgreSQL down) the batch is held: the writer takes nothing more, so the cameras meet the
/// overload policy, and it keeps trying both; the condition is logged once. On shutdown it keeps
/// trying for `shutdownGrace` seconds, then counts and logs what could not be kept.
/// With DURABLE_INTAKE the events are already in spool files (the intake journal): a batch records
/// how far its file is saved, and after a failure the writer replays the files instead of spooling.
final class EventWriter: @unchecked Sendable {
    /// Events taken from the queue and not yet saved or spooled.
    struct Held {
        var events: [NewEvent]
        /// The batch's tag `<writer>/<batch id>`, recorded with its rows.
        var batch: String
        /// The first `sent` events went out under `batch` and the answer was lost: they may be committed.
        var sent = 0
    }

    private let queue: BlockingQueue<NewEvent>
    private let spool: Spool
    private let connection: Reconnector
    private let replayer: SpoolReplayer
    private let logger: Logger
    private let stats: RouterStats
    private let maxBatch: Int
    private let durable: Bool
    private let shutdownGrace: Double
    private let writerID: String
    private let handOn: ([SavedEvent]) -> Void
    private let missed: () -> Void
    private var store: EventStore?
    private var held: Held?
    private var stuckSince: Date?
    private var closedAt: Date?
    /// DURABLE_INTAKE: journal positions up to here are saved (or replay covers them); nil: replay first.
    private var handled: JournalMark?

    init(queue: BlockingQueue<NewEvent>, spool: Spool, connection: Reconnector, logger: Logger, stats: RouterStats,
         durable: Bool, shutdownGrace: Double, writerID: String, maxBatch: Int = 5000,
         handOn: @escaping ([SavedEvent]) -> Void, missed: @escaping () -> Void) {
        self.queue = queue; self.spool = spool; self.connection = connection; self.logger = logger; self.stats = stats
        self.durable = durable; self.shutdownGrace = shutdownGrace; self.writerID = writerID; self.maxBatch = maxBatch
        self.handOn = handOn; self.missed = missed
        replayer = SpoolReplayer(spool: spool, logger: logger, stats: stats, maxBatch: maxBatch, deliver: handOn, missed: missed)
    }

    /// The thread body; returns once the queue is closed and everything is saved, spooled or counted lost.
    func run() {
        // The first connection is waited for (up to the connect timeout): a normal start saves directly.
        _ = connection.connectNow()
        while true {
            if held == nil {
                let degraded = connection.isDown || (durable ? handled == nil : spool.hasPending)
                // A work-queue job's events stay together in one batch and take their own path (`saveJobs`).
                guard var batch = queue.popBatch(max: maxBatch, timeout: degraded ? 0.2 : nil,
                                                 together: { $0.job != nil && $0.job === $1.job }) else { break }
                if batch.contains(where: { $0.job != nil }) {
                    saveJobs(batch.filter { $0.job != nil })
                    batch.removeAll { $0.job != nil }
                }
                if !batch.isEmpty { held = Held(events: batch, batch: newTag()) }
            }
            if durable { saveJournaled() } else { saveOrSpool() }
            if held != nil {
                if giveUpIfStopping() { break }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        finish()
    }

    /// A new batch tag: this process's writer id and a batch id.
    private func newTag() -> String { "\(writerID)/\(UUID().uuidString.lowercased())" }

    /// The connection's store, or nil while PostgreSQL is unreachable.
    private func currentStore() -> EventStore? {
        guard let conn = connection.connection() else { store = nil; return nil }
        if store?.connection !== conn { store = EventStore(connection: conn, plates: connection.database.plates) }
        return store
    }

    private func dropConnection(_ error: any Error) {
        store = nil
        connection.drop(after: error)
    }

    // MARK: Without DURABLE_INTAKE

    /// Saves the held batch (after the spool, which holds older events), or spools it.
    private func saveOrSpool() {
        if let store = currentStore() {
            do {
                if spool.hasPending {
                    spool.seal()
                    _ = try replayer.replayAll(store)
                }
                if !spool.hasPending && held != nil { try saveHeld(store) }
            } catch let error as PostgresError {
                logger.error("PostgreSQL write failed, spooling events to disk", metadata: ["error": "\(error)", "spool.dir": "\(spool.directory)"])
                dropConnection(error)
            } catch {
                // The spool could not be replayed (its bad lines cannot be quarantined): try again later.
            }
        }
        guard let h = held else { return unstuck() }
        var bytes: [UInt8] = []
        for (i, e) in h.events.enumerated() { SpoolLine.encode(e, batch: i < h.sent ? h.batch : nil, plates: spool.plates, into: &bytes) }
        do {
            try spool.append(bytes)
            stats.add(.spooled, h.events.count)
            held = nil
            unstuck()
        } catch {
            if stuckSince == nil {
                stuckSince = Date()
                logger.critical("Spool cannot be written and PostgreSQL is unreachable; events wait in memory, the cameras by the overload policy",
                                metadata: ["error": "\(error)", "spool.dir": "\(spool.directory)", "events.held": "\(h.events.count)",
                                           "queue.capacity": "\(queue.capacity)"])
            }
        }
    }

    /// Saves the held batch in one statement; one by one when the server refuses it as a whole.
    /// Throws a transient PostgresError (the held events stay, marked as possibly committed).
    private func saveHeld(_ store: EventStore) throws {
        guard var h = held else { return }
        if h.sent > 0 {
            if try store.lastBatch(writer: writerID) == h.batch {   // the lost answer was a COMMIT
                stats.add(.saved, h.sent)
                logger.warning("A batch whose answer was lost had been committed; not saved again", metadata: ["events.count": "\(h.sent)"])
                missed()
                h.events.removeFirst(h.sent)
            }
            h = Held(events: h.events, batch: newTag())
            held = h.events.isEmpty ? nil : h
            guard !h.events.isEmpty else { return }
        }
        held?.sent = h.events.count
        do {
            let saved = try store.insert(h.events, recording: .batch(h.batch))
            held = nil
            stats.add(.saved, saved.count)
            handOn(saved)
        } catch let error as PostgresError where !error.isTransient {
            held?.sent = 0
            logger.error("PostgreSQL refused a batch; saving its events one by one", metadata: ["error": "\(error)"])
            try saveOneByOne(store)
        }
    }

    /// Inserts the held events one at a time; an event the server refuses alone goes to
    /// rejected.jsonl. A lost connection stops it: the rest stay held (and are spooled), never rejected.
    private func saveOneByOne(_ store: EventStore) throws {
        while var h = held, let event = h.events.first {
            h.batch = newTag()
            h.sent = 1
            held = h
            do {
                let saved = try store.insert([event], recording: .batch(h.batch))
                stats.add(.saved, saved.count)
                handOn(saved)
            } catch let error as PostgresError where !error.isTransient {
                replayer.reject(event, error)
            }
            h.events.removeFirst()
            h.sent = 0
            held = h.events.isEmpty ? nil : h
        }
    }

    // MARK: With DURABLE_INTAKE

    /// Saves the held events (already in the journal) recording their journal position; after a
    /// failure drops them and replays the journal from PostgreSQL's position once it is back.
    private func saveJournaled() {
        guard let store = currentStore() else { held = nil; handled = nil; return }
        do {
            if handled == nil {
                held = nil
                handled = try replayer.replayAll(store) ?? JournalMark(file: "", end: 0)
                return
            }
            guard let h = held else { return }
            held = nil
            let fresh = h.events.filter { ($0.journal.map { $0 > handled! }) ?? true }
            var start = fresh.startIndex
            while start < fresh.endIndex {   // one statement per journal file
                let file = fresh[start].journal?.file
                let end = fresh[start...].firstIndex { $0.journal?.file != file } ?? fresh.endIndex
                try saveJournaled(Array(fresh[start..<end]), store)
                start = end
            }
        } catch let error as PostgresError {
            logger.error("PostgreSQL write failed; events stay in the intake journal and are saved from it",
                         metadata: ["error": "\(error)", "spool.dir": "\(spool.directory)"])
            dropConnection(error)
            handled = nil
        } catch {
            handled = nil
        }
    }

    private func saveJournaled(_ events: [NewEvent], _ store: EventStore) throws {
        guard let mark = events.last?.journal else { return }
        do {
            let saved = try store.insert(events, recording: .spool(file: mark.file, bytes: mark.end))
            stats.add(.saved, saved.count)
            handOn(saved)
        } catch let error as PostgresError where !error.isTransient {
            logger.error("PostgreSQL refused a batch; saving its events one by one", metadata: ["error": "\(error)"])
            try replayer.saveOneByOne(events.map { .init(event: $0, batch: nil, end: $0.journal!.end) }, file: mark.file, store)
        }
        handled = mark
        try deleteSavedJournal(store)
    }

    /// Deletes the journal files PostgreSQL holds all of: those before the last one saved from, and
    /// that one once it is sealed and saved to its end.
    private func deleteSavedJournal(_ store: EventStore) throws {
        guard let mark = handled else { return }
        for file in spool.pendingFiles() where file < mark.file || (file == mark.file && spool.sealedSize(file) == mark.end) {
            spool.remove(file: file)
            try store.forgetSpool(file: file)
        }
    }

    // MARK: Work-queue jobs

    /// Work-queue jobs (`QueueJob`, from `redis-queue://` sources): their events are saved in one
    /// transaction with the jobs' claims, so a job run twice is saved once. They are never spooled or
    /// journaled: the job itself is the durable copy, so while PostgreSQL is unreachable the job is
    /// reported `notSaved` and goes back to its queue. A job PostgreSQL refuses is saved alone, job by
    /// job; one it still refuses is reported `rejected` and its events are kept in rejected.jsonl.
    private func saveJobs(_ events: [NewEvent]) {
        guard let store = currentStore() else {
            Self.jobs(of: events).forEach { $0.finish(.notSaved("PostgreSQL is unavailable")) }
            return
        }
        do {
            let result = try store.insertClaiming(events, tag: newTag())
            stats.add(.saved, result.saved.count)
            handOn(result.saved)
            let counts = Dictionary(grouping: result.saved, by: { ObjectIdentifier($0.event.job!) }).mapValues(\.count)
            let claimed = Set(result.claimed.map(ObjectIdentifier.init))
            for job in Self.jobs(of: events) {
                job.finish(claimed.contains(ObjectIdentifier(job)) ? .saved(counts[ObjectIdentifier(job)] ?? 0) : .alreadySaved)
            }
        } catch let error as PostgresError where !error.isTransient {
            let jobs = Self.jobs(of: events)
            guard jobs.count > 1 else {
                events.forEach { replayer.reject($0, error) }
                logger.error("Work-queue job refused by PostgreSQL, its events kept in rejected.jsonl",
                             metadata: ["queue.name": "\(jobs.first?.queue ?? "")", "error": "\(error)"])
                jobs.forEach { $0.finish(.rejected("PostgreSQL refused its events: \(error)")) }
                return
            }
            for job in jobs { saveJobs(events.filter { $0.job === job }) }
        } catch {
            logger.error("PostgreSQL write failed; work-queue jobs go back to their queue", metadata: ["error": "\(error)"])
            dropConnection(error)
            Self.jobs(of: events).forEach { $0.finish(.notSaved("PostgreSQL write failed: \(error)")) }
        }
    }

    /// The distinct jobs of `events`, in order.
    private static func jobs(of events: [NewEvent]) -> [QueueJob] {
        var seen = Set<ObjectIdentifier>()
        return events.compactMap { $0.job }.filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    // MARK: Stopping

    /// Once the queue is closed, gives up after `shutdownGrace` seconds: what is held and queued is
    /// counted and logged as lost. Returns true when it gave up.
    private func giveUpIfStopping() -> Bool {
        guard queue.isClosed else { return false }
        let since = closedAt ?? Date()
        closedAt = since
        guard Date().timeIntervalSince(since) >= shutdownGrace else { return false }
        var lost = held?.events.count ?? 0
        held = nil
        while let batch = queue.popBatch(max: .max, timeout: 0) { lost += batch.count }
        stats.add(.lost, lost)
        logger.critical("Events could not be kept: PostgreSQL unreachable and the spool not writable at shutdown",
                        metadata: ["events.lost": "\(lost)", "spool.dir": "\(spool.directory)"])
        return true
    }

    private func unstuck() {
        guard let since = stuckSince else { return }
        stuckSince = nil
        logger.info("Events placed again after the spool could not be written",
                    metadata: ["stuck_s": "\(Int(Date().timeIntervalSince(since)))"])
    }

    /// At the end: one last try to save the spool (the next start does it otherwise).
    private func finish() {
        if durable {   // the journal is sealed by now: its last file can go if PostgreSQL holds all of it
            if let store { try? deleteSavedJournal(store) }
            return
        }
        guard spool.hasPending else { spool.seal(); return }
        spool.seal()
        if let conn = connection.connectNow() {
            do { _ = try replayer.replayAll(EventStore(connection: conn, plates: connection.database.plates)) } catch {}
        }
        if spool.hasPending {
            logger.warning("Events remain spooled; they are saved at the next start", metadata: ["spool.dir": "\(spool.directory)"])
        }
    }
}
