import Foundation
import Logging
import PluginAPI
import VigilPostgres
import VigilRouter

/// A sink's link to PostgreSQL, on its own thread (libpq blocks), through the database door: it
/// loads the sink's position (`vigil_sink_position`), reads back from the events
/// table whatever the queue missed (at start, and after an overflow), and saves the position
/// about once a second and at the end, so a restart neither skips nor repeats settled events.
final class SinkCatchUp: @unchecked Sendable {
    private let runner: SinkRunner
    private let connection: Reconnector
    private let logger: Logger
    private let stats: RouterStats
    private let stopped = NSCondition()
    private var stopRequested = false
    private var finished = false

    init(runner: SinkRunner, database: Database, logger: Logger, stats: RouterStats) {
        self.runner = runner; self.stats = stats
        var logger = logger
        logger[metadataKey: "sink.name"] = "\(runner.name)"
        self.logger = logger
        connection = Reconnector(database: database, role: "sink \(runner.name)", logger: logger)
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
        var saved: Int64 = -1
        var started = false
        while true {
            let stopping = self.stopping
            if let db = stopping ? connection.connectNow() : connection.connection() {
                do {
                    if !started {
                        runner.queue.start(at: try Self.loadPosition(db, sink: runner.name))
                        started = true
                    }
                    if runner.queue.catchingUp && !stopping && runner.disabled == nil { try catchUp(db) }
                    let position = runner.queue.position
                    if position != saved {
                        try db.query("UPDATE vigil_sink_position SET last_id = $2 WHERE sink = $1", [runner.name, String(position)])
                        saved = position
                    }
                } catch {
                    connection.drop(after: error)
                    if !stopping { pause(0.1); continue }
                }
            } else if !stopping {
                pause(0.1)
                continue
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
            // Sinks get plates as the plugins emitted them, like the events handed to them live.
            let rows = try EventStore.read(after: runner.queue.takenUpTo, limit: 500, from: db, plates: connection.database.plates)
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
            stats.add(sink: runner.name, .skippedOld, skipped)
            logger.warning("Old events not delivered after catch-up", metadata: [
                "events.skipped": "\(skipped)", "max_age_s": "\(runner.policy.maxCatchUpAge)"])
        }
        if total - skipped > 0 {
            stats.add(sink: runner.name, .caughtUp, total - skipped)
            logger.info("Sink caught up from PostgreSQL", metadata: ["events.count": "\(total - skipped)"])
        }
    }

    /// The sink's position. The router sets a new sink's before its first insert; should this
    /// thread come first, it starts the sink after the newest event as it is now (no event of this
    /// run is saved before the router has set it too, so none falls before it).
    static func loadPosition(_ db: PostgresConnection, sink: String) throws -> Int64 {
        try db.query("""
            INSERT INTO vigil_sink_position (sink, last_id) SELECT $1, COALESCE(MAX(id), 0) FROM events
            ON CONFLICT (sink) DO NOTHING
            """, [sink])
        let r = try db.query("SELECT last_id FROM vigil_sink_position WHERE sink = $1", [sink])
        return r[0, 0].flatMap(Int64.init) ?? 0
    }
}
