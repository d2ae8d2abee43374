import Foundation
import Logging
import ServiceLifecycle
import VigilPostgres
import VigilRouter

/// Deletes what retention says is old (`RetentionPolicy`), in the background: a pass at start and
/// every `RETENTION_INTERVAL_SECONDS`, on a thread and a PostgreSQL connection of its own, in small
/// batches. A failed pass (PostgreSQL down) is logged and the next one tries again. With several
/// hosts on one database, one at a time deletes events (an advisory lock); each trims its own
/// snapshots folder.
package final class RetentionService: Service, @unchecked Sendable {
    private let policy: RetentionPolicy
    private let database: Database
    private let logger: Logger
    private let snapshotsDir: String
    private let interval: Double
    private let condition = NSCondition()
    private var stopping = false
    private var current = RetentionStatus()
    private let finished = DispatchGroup()

    package init(policy: RetentionPolicy, database: Database, snapshotsDir: String, logger: Logger) {
        self.policy = policy; self.database = database; self.snapshotsDir = snapshotsDir
        self.interval = policy.defaults.intervalSeconds
        var logger = logger
        logger[metadataKey: "component"] = "retention"
        self.logger = logger
        current.snapshotsMaxBytes = policy.defaults.snapshotsMaxBytes
    }

    /// What retention has done so far.
    package var status: RetentionStatus { condition.lock(); defer { condition.unlock() }; return current }

    package func run() async throws {
        start()
        try? await gracefulShutdown()
        stop()
    }

    /// Starts the passes on their own thread.
    package func start() {
        finished.enter()
        let thread = Thread { [self] in loop(); finished.leave() }
        thread.name = "vigil-retention"
        thread.start()
    }

    /// Ends the current pass at its next batch and waits for the thread.
    package func stop() {
        condition.lock(); stopping = true; condition.broadcast(); condition.unlock()
        finished.wait()
    }

    /// Runs one pass now, on the calling thread (for tests and `vigil retention`-like tools).
    @discardableResult
    package func runOnce() throws -> RetentionStatus {
        let db = try connect()
        try pass(db)
        return status
    }

    private var isStopping: Bool { condition.lock(); defer { condition.unlock() }; return stopping }

    private func loop() {
        logger.info("Retention started", metadata: [
            "events_days": "\(policy.defaults.eventsDays.map { "\($0)" } ?? "for ever")",
            "snapshots_days": "\(policy.defaults.snapshotsDays.map { "\($0)" } ?? "for ever")",
            "snapshots_max_bytes": "\(policy.defaults.snapshotsMaxBytes.map { "\($0)" } ?? "no cap")",
            "interval_s": "\(interval)"])
        var db: PostgresConnection?
        while !isStopping {
            do {
                let conn: PostgresConnection
                if let db { conn = db } else { conn = try connect(); db = conn }
                try pass(conn)
                if !conn.isConnected { db = nil }
            } catch {
                db = nil
                condition.lock(); current.lastError = "\(error)"; condition.unlock()
                logger.error("Retention pass failed; the next one tries again", metadata: ["error": "\(error)"])
            }
            condition.lock()
            let until = Date(timeIntervalSinceNow: interval)
            while !stopping, condition.wait(until: until) {}
            condition.unlock()
        }
    }

    /// A connection through the database door, with room for a long batch of deletes (a statement
    /// may take up to 60 s on the server; vigil waits 75 s for an answer).
    private func connect() throws -> PostgresConnection {
        let db = try database.connect(timeouts: PostgresTimeouts(connect: 3, statement: 60, answer: 75))
        try RetentionPass.prepare(db)
        return db
    }

    private func pass(_ db: PostgresConnection) throws {
        let start = Date()
        var status = self.status
        let before = status
        let pass = RetentionPass(policy: policy, snapshotsDir: snapshotsDir, logger: logger)
        pass.shouldStop = { [unowned self] in isStopping }
        // One host at a time deletes events; a host that does not get the lock still trims its snapshots.
        let locked = try db.query("SELECT pg_try_advisory_lock(8069002)", [])[0, 0] == "t"
        defer { if locked { _ = try? db.execute("SELECT pg_advisory_unlock(8069002)") } }
        try pass.run(db, into: &status, events: locked)
        status.passes += 1
        status.lastPassSeconds = Date().timeIntervalSince(start)
        status.lastPassAt = EventJSON.isoMillisZ(.init(secondsSince1970: Date().timeIntervalSince1970))
        status.lastError = nil
        condition.lock(); current = status; condition.unlock()
        let deleted = status.eventsDeleted - before.eventsDeleted
        let files = status.snapshotsDeletedWithEvents + status.snapshotsDeletedByAge + status.snapshotsDeletedByCap
            - before.snapshotsDeletedWithEvents - before.snapshotsDeletedByAge - before.snapshotsDeletedByCap
        if deleted > 0 || files > 0 {
            logger.info("Retention pass deleted old events and snapshots", metadata: [
                "events.deleted": "\(deleted)", "snapshots.deleted": "\(files)",
                "snapshots.disk_bytes": "\(status.snapshotsDiskBytes ?? 0)", "took_s": "\(status.lastPassSeconds)"])
        }
    }
}
