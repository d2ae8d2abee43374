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

    package init(redis: RedisAddress, channel: String) { self.redis = redis; self.channel = channel }
}

/// Publishes saved events on Redis, in id order, on its own thread. If Redis goes away it
/// reconnects with exponential backoff and then publishes, from PostgreSQL, everything saved
/// since the last event it published (the outbox position, kept in `vigil_outbox`).
final class Publisher: @unchecked Sendable {
    private let options: PublishOptions
    private let databaseURL: String
    private let logger: Logger
    private let stats: RouterStats
    private let onPublished: @Sendable ([SavedEvent]) -> Void
    private let queue = BlockingQueue<[SavedEvent]>(capacity: 256)
    private let catchUpFlag = NSLock()
    private var needsCatchUp = true

    init(options: PublishOptions, databaseURL: String, logger: Logger, stats: RouterStats,
         onPublished: @escaping @Sendable ([SavedEvent]) -> Void) {
        self.options = options; self.databaseURL = databaseURL; self.logger = logger
        self.stats = stats; self.onPublished = onPublished
    }

    /// Hands over a committed batch. Never blocks: if the queue is full (Redis down) the batch is
    /// left to the catch-up from PostgreSQL.
    func submit(_ batch: [SavedEvent]) {
        if !queue.push(batch, policy: .drop) { setCatchUp(true) }
    }

    /// Ends the thread after what is queued is published.
    func close() { queue.close() }

    private func setCatchUp(_ value: Bool) { catchUpFlag.lock(); needsCatchUp = value; catchUpFlag.unlock() }
    private var catchUpNeeded: Bool { catchUpFlag.lock(); defer { catchUpFlag.unlock() }; return needsCatchUp }

    /// The thread body; returns once closed and drained.
    func run() {
        var redis: RedisConnection?
        var backoff = 0.05
        var lastID: Int64 = -1
        var outbox: PostgresConnection?
        while true {
            if outbox == nil || lastID < 0 {
                do {
                    let conn = try outbox ?? PostgresConnection(databaseURL)
                    try conn.execute("SET synchronous_commit = off")
                    try EventStore.migrate(conn)
                    outbox = conn
                    if lastID < 0 { lastID = try Self.loadPosition(conn, channel: options.channel) }
                } catch {
                    outbox = nil
                    logger.debug("Publisher waits for the outbox position", metadata: ["error": "\(error)"])
                    guard queue.popBatch(max: 256, timeout: 0.05) != nil else { return }
                    setCatchUp(true)
                    continue
                }
            }
            if redis == nil {
                do {
                    redis = try RedisConnection(host: options.redis.host, port: options.redis.port,
                                                database: options.redis.database, password: options.redis.password)
                    if backoff > 0.05 { logger.info("Redis reconnected", metadata: ["redis.port": "\(options.redis.port)"]) }
                    backoff = 0.05
                } catch {
                    if backoff == 0.05 { logger.error("Redis unavailable, publishing paused", metadata: ["error": "\(error)"]) }
                    // Wait out the backoff; queued batches are in PostgreSQL and will be caught up.
                    if queue.popBatch(max: 256, timeout: backoff) == nil { return }
                    setCatchUp(true)
                    backoff = min(backoff * 2, 0.5)
                    continue
                }
            }
            do {
                if catchUpNeeded, let conn = outbox {
                    setCatchUp(false)
                    try catchUp(redis!, conn, after: &lastID)
                    continue
                }
                guard let batches = queue.popBatch(max: 256) else {
                    if let conn = outbox { try? Self.savePosition(conn, channel: options.channel, lastID) }
                    return
                }
                let events = batches.joined().filter { $0.id > lastID }
                guard !events.isEmpty else { continue }
                try publish(events, on: redis!)
                lastID = events.last!.id
                if let conn = outbox {
                    do { try Self.savePosition(conn, channel: options.channel, lastID) }
                    catch { outbox = nil; logger.warning("Outbox position not saved", metadata: ["error": "\(error)"]) }
                }
                onPublished(events)
            } catch let error as RedisError {
                logger.error("Redis publish failed", metadata: ["error": "\(error)"])
                redis = nil
                setCatchUp(true)
            } catch {
                logger.error("Catch-up from PostgreSQL failed", metadata: ["error": "\(error)"])
                outbox = nil
                setCatchUp(true)
                _ = queue.popBatch(max: 256, timeout: 0.5)
            }
        }
    }

    private func publish(_ events: [SavedEvent], on redis: RedisConnection) throws {
        var commands = 0
        for e in events {
            let json = e.json
            try redis.append(["PUBLISH", options.channel, json]); commands += 1
            if options.perTypeAndCameraChannels {
                try redis.append(["PUBLISH", "\(options.channel):\(e.event.type)", json])
                try redis.append(["PUBLISH", "\(options.channel):\(e.event.cameraID)", json])
                commands += 2
            }
            if let stream = options.stream {
                try redis.append(["XADD", stream, "MAXLEN", "~", String(options.streamMaxLength), "*", "event", json])
                commands += 1
            }
        }
        for _ in 0..<commands {
            if case .error(let message) = try redis.readReply(operation: "PUBLISH") {
                logger.warning("Redis refused a command", metadata: ["error": "\(message)"])
            }
        }
        stats.add("published", events.count)
    }

    /// Publishes, in id order, every event saved after `lastID` (bounded by age).
    private func catchUp(_ redis: RedisConnection, _ db: PostgresConnection, after lastID: inout Int64) throws {
        var total = 0, skipped = 0
        while true {
            let rows = try EventStore.read(after: lastID, limit: 2000, from: db)
            guard let last = rows.last else { break }
            lastID = last.event.id
            let batch = rows.filter { $0.ageSeconds <= options.maxCatchUpAge }.map(\.event)
            skipped += rows.count - batch.count
            if !batch.isEmpty { try publish(batch, on: redis); onPublished(batch) }
            total += batch.count
            try Self.savePosition(db, channel: options.channel, lastID)
            if rows.count < 2000 { break }
        }
        if skipped > 0 {
            stats.add("skipped", skipped)
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
