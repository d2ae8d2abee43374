import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPostgres
import VigilRedis

/// Where and how events are published.
package struct PublishOptions: Sendable {
    var redis: RedisAddress
    /// The main channel (`REDIS_CHANNEL_NAME`).
    var channel: String
    /// Also publish on `<channel>:<event_type>` and `<channel>:<camera_id>`.
    package var perTypeAndCameraChannels = false
    /// Also XADD to this stream (nil: off), trimmed to about `streamMaxLength` entries.
    package var stream: String?
    package var streamMaxLength = 100_000
    /// Events older than this are not published after an outage, only counted and logged.
    package var maxCatchUpAge: Double = 3600
    /// How plates are published (`PLATE_PUBLISH`): plain (decrypted), encrypted (as stored) or redacted.
    package var plates: PlateView = .plain

    package init(redis: RedisAddress, channel: String) { self.redis = redis; self.channel = channel }
}

/// Publishes saved events on Redis, in id order, on its own thread. If Redis goes away or refuses
/// a command (an error reply) it reconnects with exponential backoff and then publishes, from
/// PostgreSQL, everything saved since the last event Redis accepted (the outbox position, kept
/// in `vigil_outbox`). The writer asks for the same catch-up when rows were committed that it
/// could not hand over (a COMMIT whose answer was lost).
final class Publisher: @unchecked Sendable {
    private let options: PublishOptions
    private let outbox: Reconnector
    private let vault: PlateVault?
    private let logger: Logger
    private let stats: RouterStats
    private let queue = BlockingQueue<[SavedEvent]>(capacity: 256)
    private let catchUpFlag = NSLock()
    private var needsCatchUp = true
    private var refusing = false

    init(options: PublishOptions, database: Database, logger: Logger, stats: RouterStats) {
        self.options = options; self.logger = logger; self.stats = stats
        vault = database.plates
        outbox = Reconnector(database: database, role: "publisher", logger: logger) { try $0.execute("SET synchronous_commit = off") }
    }

    /// Hands over a committed batch. Never blocks: if the queue is full (Redis down) the batch is
    /// left to the catch-up from PostgreSQL.
    func submit(_ batch: [SavedEvent]) {
        if !queue.push(batch, policy: .drop) { flagCatchUp() }
    }

    /// Publishes from PostgreSQL what was saved after the outbox position before anything newer
    /// (the writer's call: rows committed that it could not hand over). Wakes the thread with an
    /// empty batch, so the catch-up does not wait for the next saved batch: after an ambiguous
    /// COMMIT those rows may be all there is.
    func requestCatchUp() {
        flagCatchUp()
        _ = queue.push([], policy: .drop)
    }

    /// Marks a catch-up as due, without waking the thread (its own error paths wait out a backoff).
    private func flagCatchUp() { catchUpFlag.lock(); needsCatchUp = true; catchUpFlag.unlock() }

    /// Ends the thread after what is queued is published.
    func close() { queue.close() }

    private func takeCatchUp() -> Bool {
        catchUpFlag.lock(); defer { catchUpFlag.unlock() }
        let value = needsCatchUp
        needsCatchUp = false
        return value
    }

    /// The thread body; returns once closed and drained.
    func run() {
        var redis: RedisConnection?
        var backoff = 0.05
        var lastID: Int64 = -1
        while true {
            if lastID < 0, let db = outbox.connection(), let position = loadPosition(db) { lastID = position }
            guard lastID >= 0, let db = outbox.connection() else {
                // No position yet (PostgreSQL unreachable): what is queued is caught up later.
                guard queue.popBatch(max: 256, timeout: 0.05) != nil else { return }
                flagCatchUp()
                continue
            }
            if redis == nil {
                do {
                    redis = try RedisConnection(host: options.redis.host, port: options.redis.port,
                                                database: options.redis.database, password: options.redis.password,
                                                username: options.redis.username)
                    if backoff > 0.05 && !refusing { logger.info("Redis reconnected", metadata: ["redis.port": "\(options.redis.port)"]) }
                } catch {
                    if backoff == 0.05 { logger.error("Redis unavailable, publishing paused", metadata: ["error": "\(error)"]) }
                    // Wait out the backoff; queued batches are in PostgreSQL and will be caught up.
                    if queue.popBatch(max: 256, timeout: backoff) == nil { return }
                    flagCatchUp()
                    backoff = min(backoff * 2, 0.5)
                    continue
                }
            }
            do {
                if takeCatchUp() {
                    try catchUp(redis!, db, after: &lastID)
                    backoff = 0.05
                    continue
                }
                guard let batches = queue.popBatch(max: 256) else {
                    try? Self.savePosition(db, channel: options.channel, lastID)
                    return
                }
                // A gap reported meanwhile is filled first, so the order holds.
                if takeCatchUp() { try catchUp(redis!, db, after: &lastID) }
                let events = batches.joined().filter { $0.id > lastID }
                guard !events.isEmpty else { continue }
                try publish(events, on: redis!, db, lastID: &lastID)
                backoff = 0.05
            } catch let error as PublishRefused {
                if !refusing { logger.error("Redis refused to publish; retrying", metadata: ["error": "\(error.message)"]) }
                refusing = true
                redis = nil
                flagCatchUp()
                if queue.popBatch(max: 256, timeout: backoff) == nil { return }
                backoff = min(backoff * 2, 0.5)
            } catch let error as RedisError {
                logger.error("Redis publish failed", metadata: ["error": "\(error)"])
                redis = nil
                flagCatchUp()
            } catch {
                logger.error("Catch-up from PostgreSQL failed", metadata: ["error": "\(error)"])
                outbox.drop(after: error)
                flagCatchUp()
                _ = queue.popBatch(max: 256, timeout: 0.5)
            }
        }
    }

    /// Reads the channel's outbox position; nil when it cannot yet.
    private func loadPosition(_ db: PostgresConnection) -> Int64? {
        do { return try Self.loadPosition(db, channel: options.channel) } catch {
            if let e = error as? PostgresError, e.connectionLost { outbox.drop(after: error) }
            logger.debug("Publisher waits for the outbox position", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Pipelines the commands for `events`, then reads every reply. Events up to the first one with
    /// an error reply are published and the outbox moves past them; then `PublishRefused` is thrown.
    private func publish(_ events: [SavedEvent], on redis: RedisConnection, _ db: PostgresConnection, lastID: inout Int64) throws {
        let perEvent = 1 + (options.perTypeAndCameraChannels ? 2 : 0) + (options.stream != nil ? 1 : 0)
        for e in events {
            let json = e.json(plates: options.plates)
            try redis.append(["PUBLISH", options.channel, json])
            if options.perTypeAndCameraChannels {
                try redis.append(["PUBLISH", "\(options.channel):\(e.event.type)", json])
                try redis.append(["PUBLISH", "\(options.channel):\(e.event.cameraID)", json])
            }
            if let stream = options.stream {
                try redis.append(["XADD", stream, "MAXLEN", "~", String(options.streamMaxLength), "*", "event", json])
            }
        }
        var refusal: (index: Int, message: String)?
        for i in 0..<(events.count * perEvent) {
            if case .error(let message) = try redis.readReply(operation: "PUBLISH"), refusal == nil {
                refusal = (i / perEvent, message)
            }
        }
        let accepted = refusal?.index ?? events.count
        if accepted > 0 {
            stats.add(.published, accepted)
            lastID = events[accepted - 1].id
            try Self.savePosition(db, channel: options.channel, lastID)
            if refusing && refusal == nil { refusing = false; logger.info("Redis accepts publishes again") }
        }
        if let refusal { throw PublishRefused(message: refusal.message) }
    }

    /// Publishes, in id order, every event saved after `lastID` (bounded by age).
    private func catchUp(_ redis: RedisConnection, _ db: PostgresConnection, after lastID: inout Int64) throws {
        var total = 0, skipped = 0
        while true {
            let rows = try EventStore.read(after: lastID, limit: 2000, from: db, plates: vault, view: options.plates)
            for row in rows {
                guard let problem = row.event.event.data["plate_error"]?.stringValue else { continue }
                logger.error("Plate not decrypted; published redacted", metadata: ["event.id": "\(row.event.id)", "error": "\(problem)"])
            }
            guard let last = rows.last else { break }
            let batch = rows.filter { $0.ageSeconds <= options.maxCatchUpAge }.map(\.event)
            skipped += rows.count - batch.count
            if !batch.isEmpty { try publish(batch, on: redis, db, lastID: &lastID) }
            total += batch.count
            lastID = last.event.id
            try Self.savePosition(db, channel: options.channel, lastID)
            if rows.count < 2000 { break }
        }
        if skipped > 0 {
            stats.add(.skipped, skipped)
            logger.warning("Old events not published after outage", metadata: ["events.skipped": "\(skipped)",
                           "max_age_s": "\(options.maxCatchUpAge)"])
        }
        if total > 0 { logger.info("Published events caught up from PostgreSQL", metadata: ["events.count": "\(total)"]) }
    }

    /// The channel's outbox position; the writer creates it before its first insert.
    static func loadPosition(_ db: PostgresConnection, channel: String) throws -> Int64 {
        let r = try db.query("SELECT last_id FROM vigil_outbox WHERE channel = $1", [channel])
        guard r.count == 1, let id = r[0, 0].flatMap(Int64.init) else {
            throw PostgresError(operation: "read outbox", message: "no position yet for channel \(channel) (the writer sets it)",
                                sqlState: nil, connectionLost: false)
        }
        return id
    }

    static func savePosition(_ db: PostgresConnection, channel: String, _ id: Int64) throws {
        try db.query("UPDATE vigil_outbox SET last_id = $2 WHERE channel = $1 AND last_id < $2", [channel, String(id)])
    }
}

/// Redis answered a publish command with an error (e.g. NOPERM, OOM): not published.
struct PublishRefused: Error {
    let message: String
}
