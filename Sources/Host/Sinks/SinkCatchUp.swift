import Foundation
import Logging
import PluginAPI
import VigilPostgres
import VigilRouter

/// A sink's link to PostgreSQL, on its own thread (libpq blocks): it loads the sink's position
/// (`vigil_sink_position`; a new sink starts at the table's end), reads back from the events
/// table whatever the queue missed (at start, and after an overflow), and saves the position
/// about once a second and at the end, so a restart neither skips nor repeats settled events.
final class SinkCatchUp: @unchecked Sendable {
    private let runner: SinkRunner
    private let databaseURL: String
    private let logger: Logger
    private let stats: RouterStats
    private let stopped = NSCondition()
    private var stopRequested = false
    private var finished = false

    init(runner: SinkRunner, databaseURL: String, logger: Logger, stats: RouterStats) {
        self.runner = runner; self.databaseURL = databaseURL; self.stats = stats
        var logger = logger
        logger[metadataKey: "sink.name"] = "\(runner.name)"
        self.logger = logger
    }

    /// Starts the thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "vigil-sink-\(runner.name)"
        thread.start()
    }

    /// Asks the thread to save the position one last time and end; returns once it has.
    func stop() {
        stopped.lock(); stopRequested = true; stopped.broadcast()
        while !finished { stopped.wait() }
        stopped.unlock()
    }

    private var stopping: Bool { stopped.lock(); defer { stopped.unlock() }; return stopRequested }

    /// Sleeps up to `seconds`, waking early on stop.
    private func pause(_ seconds: Double) {
        stopped.lock(); defer { stopped.unlock() }
        if !stopRequested { _ = stopped.wait(until: Date(timeIntervalSinceNow: seconds)) }
    }

    private func run() {
        var db: PostgresConnection?
        var saved: Int64 = -1
        var backoff = 0.1
        var started = false
        while true {
            let stopping = self.stopping
            do {
                let conn = try db ?? PostgresConnection(databaseURL)
                db = conn
                if !started {
                    runner.queue.start(at: try Self.loadPosition(conn, sink: runner.name))
                    started = true
                }
                if runner.queue.catchingUp && !stopping && runner.disabled == nil { try catchUp(conn) }
                let position = runner.queue.position
                if position != saved {
                    try conn.query("UPDATE vigil_sink_position SET last_id = $2 WHERE sink = $1", [runner.name, String(position)])
                    saved = position
                }
                backoff = 0.1
            } catch {
                if db != nil || backoff == 0.1 {
                    logger.error("Sink position or catch-up: PostgreSQL failed", metadata: ["error": "\(error)"])
                }
                db = nil
                backoff = min(backoff * 2, 5)
                if !stopping { pause(backoff); continue }
            }
            if stopping { break }
            pause(runner.queue.catchingUp ? 0.05 : 1)
        }
        stopped.lock(); finished = true; stopped.broadcast(); stopped.unlock()
    }

    /// Reads events after the queue's position until the table's end, skipping the too old.
    private func catchUp(_ db: PostgresConnection) throws {
        var total = 0, skipped = 0
        while !stopping {
            let rows = try EventStore.read(after: runner.queue.takenUpTo, limit: 500, from: db)
            for row in rows {
                let event = row.event.stored
                let fresh = row.ageSeconds <= runner.policy.maxCatchUpAge
                if !fresh { skipped += 1 }
                guard runner.queue.addCaughtUp(event, wanted: fresh && runner.wants(event)) else { return }
                total += 1
            }
            if rows.count < 500 && runner.queue.finishCatchUp() { break }
        }
        if skipped > 0 {
            stats.add("sink.\(runner.name).skipped_old", skipped)
            logger.warning("Old events not delivered after catch-up", metadata: [
                "events.skipped": "\(skipped)", "max_age_s": "\(runner.policy.maxCatchUpAge)"])
        }
        if total - skipped > 0 {
            stats.add("sink.\(runner.name).caught_up", total - skipped)
            logger.info("Sink caught up from PostgreSQL", metadata: ["events.count": "\(total - skipped)"])
        }
    }

    /// The sink's position; a sink seen for the first time starts after the newest event.
    static func loadPosition(_ db: PostgresConnection, sink: String) throws -> Int64 {
        try EventStore.migrate(db)
        try db.query("""
            INSERT INTO vigil_sink_position (sink, last_id) SELECT $1, COALESCE(MAX(id), 0) FROM events
            ON CONFLICT (sink) DO NOTHING
            """, [sink])
        let r = try db.query("SELECT last_id FROM vigil_sink_position WHERE sink = $1", [sink])
        return r[0, 0].flatMap(Int64.init) ?? 0
    }
}
