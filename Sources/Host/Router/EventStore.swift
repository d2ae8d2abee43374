import Foundation
import PluginAPI
import VigilPostgres

/// The writer's statements on one connection: batched inserts, each recording in the same
/// statement (so the same transaction) what makes it safe to repeat — the writer's batch id, or
/// how far a spool file is saved — and the positions set before a writer's first insert.
/// One connection, used by one thread.
package final class EventStore {
    let connection: PostgresConnection
    /// Plates are encrypted under these keys before they are saved (nil: saved plain).
    let plates: PlateVault?

    /// What a batch records along with its rows.
    enum Record {
        /// The batch's tag, `<writer>/<batch id>` (`vigil_writer.last_batch` of that writer): after a lost
        /// answer, `lastBatch(writer:)` tells whether it was committed.
        case batch(String)
        /// A spool file is saved up to this byte (`vigil_spool`): replay resumes exactly there.
        case spool(file: String, bytes: Int)
    }

    private static let insertRows = """
        INSERT INTO events (event_type, camera_id, timestamp, frame_number, snapshot_path, event_data)
        SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::timestamp[], $4::int[], $5::varchar[], $6::jsonb[])
        RETURNING id, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS created
        """

    /// The one place a batch's statement is built: the rows, then what the batch records ($7, $8).
    static func statement(recording kind: String) -> String {
        let record = kind == "batch"
            ? """
              INSERT INTO vigil_writer (writer, last_batch, saved_at) VALUES ($7, $8, NOW())
              ON CONFLICT (writer) DO UPDATE SET last_batch = EXCLUDED.last_batch, saved_at = EXCLUDED.saved_at
              """
            : """
              INSERT INTO vigil_spool (file, replayed_bytes) VALUES ($7, $8)
              ON CONFLICT (file) DO UPDATE SET replayed_bytes = EXCLUDED.replayed_bytes
              """
        return "WITH ins AS (\(insertRows)), rec AS (\(record)) SELECT id, created FROM ins ORDER BY id"
    }

    /// Readies a new connection of the writer: the outbox position of `channel` and the positions
    /// of `sinks` seen for the first time start at the table's end as it is now, before this
    /// writer's first insert, so nothing it saves can fall before them; then prepares the inserts.
    static func prepare(_ db: PostgresConnection, channel: String, sinks: [String]) throws {
        try db.query("""
            INSERT INTO vigil_outbox (channel, last_id) SELECT $1, COALESCE(MAX(id), 0) FROM events
            ON CONFLICT (channel) DO NOTHING
            """, [channel])
        if !sinks.isEmpty {
            var names = ArrayLiteral()
            sinks.forEach { names.add($0) }
            try db.query("""
                INSERT INTO vigil_sink_position (sink, last_id) SELECT unnest($1::text[]), COALESCE(MAX(id), 0) FROM events
                ON CONFLICT (sink) DO NOTHING
                """, [names.text])
        }
        // Each process writes under a writer id of its own; a month is long enough to replay any spool.
        try db.execute("DELETE FROM vigil_writer WHERE saved_at < NOW() - INTERVAL '30 days'")
        try db.prepare("insert_batch", statement(recording: "batch"))
        try db.prepare("insert_spooled", statement(recording: "spool"))
        // Work-queue jobs: claim each (queue, md5(job)) once; returns the positions of the jobs claimed now.
        try db.prepare("claim_jobs", """
            WITH input AS (SELECT q, j, n, ord FROM unnest($1::text[], $2::text[], $3::int[]) WITH ORDINALITY AS t(q, j, n, ord)),
                 new AS (INSERT INTO vigil_queue_jobs (queue, job_md5, events) SELECT q, md5(j), n FROM input
                         ON CONFLICT (queue, job_md5) DO NOTHING RETURNING queue, job_md5)
            SELECT input.ord FROM input JOIN new ON new.queue = input.q AND new.job_md5 = md5(input.j) ORDER BY input.ord
            """)
    }

    /// A store on a connection `prepare` has readied.
    init(connection: PostgresConnection, plates: PlateVault? = nil) { self.connection = connection; self.plates = plates }

    /// The writer part of a batch tag `<writer>/<batch id>`.
    static func writer(of tag: String) -> String { String(tag.prefix { $0 != "/" }) }

    /// Saves a batch in one statement (one round trip, one commit), rows in the batch's order,
    /// recording `record` in the same transaction.
    func insert(_ batch: [NewEvent], recording record: Record) throws -> [SavedEvent] {
        let sealed = try plates.map { vault in try batch.map { try PlateFields.seal($0.data, vault) } }
        let arrays = Self.arrays(batch, sealed: sealed)
        let result: PostgresResult
        switch record {
        case .batch(let tag): result = try connection.executePrepared("insert_batch", arrays + [Self.writer(of: tag), tag])
        case .spool(let file, let bytes): result = try connection.executePrepared("insert_spooled", arrays + [file, String(bytes)])
        }
        return try saved(batch, result, sealed: sealed)
    }

    /// Saves work-queue jobs' events in one transaction with their claims: the events of a job
    /// claimed before (saved by an earlier run of the job) are left out. Returns what was saved and
    /// the jobs claimed now (the others were saved before). `batch` holds whole jobs (each event has its `job`).
    func insertClaiming(_ batch: [NewEvent], tag: String) throws -> (saved: [SavedEvent], claimed: [QueueJob]) {
        var jobs: [QueueJob] = [], counts: [ObjectIdentifier: Int] = [:]
        for event in batch {
            guard let job = event.job else { continue }
            if counts[ObjectIdentifier(job)] == nil { jobs.append(job) }
            counts[ObjectIdentifier(job), default: 0] += 1
        }
        var queues = ArrayLiteral(), payloads = ArrayLiteral(), sizes = ArrayLiteral()
        for job in jobs { queues.add(job.queue); payloads.add(job.payload); sizes.addRaw(String(counts[ObjectIdentifier(job)]!)) }
        try connection.execute("BEGIN")
        do {
            let rows = try connection.executePrepared("claim_jobs", [queues.text, payloads.text, sizes.text])
            let claimed = (0..<rows.count).compactMap { Int(rows[$0, 0] ?? "") }.map { jobs[$0 - 1] }
            let ids = Set(claimed.map(ObjectIdentifier.init))
            let keep = batch.filter { $0.job.map { ids.contains(ObjectIdentifier($0)) } ?? false }
            let saved = keep.isEmpty ? [] : try insert(keep, recording: .batch(tag))
            try connection.execute("COMMIT")
            return (saved, claimed)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// The tag of the last batch `writer` committed.
    func lastBatch(writer: String) throws -> String? {
        let r = try connection.query("SELECT last_batch FROM vigil_writer WHERE writer = $1", [writer])
        return r.count > 0 ? r[0, 0] : nil
    }

    /// How many bytes of a spool file are already in the table.
    func spoolPosition(file: String) throws -> Int {
        let r = try connection.query("SELECT replayed_bytes FROM vigil_spool WHERE file = $1", [file])
        return r.count > 0 ? Int(r[0, 0] ?? "0") ?? 0 : 0
    }

    /// Records that a spool file is saved up to `replayedBytes` (past lines that were not saved).
    func markSpooled(file: String, replayedBytes: Int) throws {
        try connection.query("""
            INSERT INTO vigil_spool (file, replayed_bytes) VALUES ($1, $2)
            ON CONFLICT (file) DO UPDATE SET replayed_bytes = EXCLUDED.replayed_bytes
            """, [file, String(replayedBytes)])
    }

    /// Forgets a spool file once it is fully replayed and deleted.
    func forgetSpool(file: String) throws {
        try connection.query("DELETE FROM vigil_spool WHERE file = $1", [file])
    }

    private func saved(_ batch: [NewEvent], _ result: PostgresResult, sealed: [JSONValue?]?) throws -> [SavedEvent] {
        guard result.count == batch.count else {
            throw PostgresError(operation: "insert events", message: "expected \(batch.count) rows back, got \(result.count)",
                                sqlState: nil, connectionLost: false)
        }
        return batch.indices.map { i in
            SavedEvent(id: Int64(result[i, 0] ?? "0") ?? 0, createdAt: result[i, 1] ?? "", event: batch[i], sealedData: sealed?[i])
        }
    }

    /// The six text-format arrays for unnest; `sealed[i]`, when set, is saved as event i's data.
    static func arrays(_ batch: [NewEvent], sealed: [JSONValue?]? = nil) -> [String?] {
        var types = ArrayLiteral(), cameras = ArrayLiteral(), times = ArrayLiteral()
        var frames = ArrayLiteral(), paths = ArrayLiteral(), data = ArrayLiteral()
        for (i, e) in batch.enumerated() {
            types.add(e.type); cameras.add(e.cameraID); times.add(EventJSON.sqlTimestamp(e.timestamp))
            frames.addRaw(String(e.frameNumber)); paths.add(e.snapshotPath)
            if let s = sealed?[i] { data.add(bytes: Array(EventJSON.encode(s).utf8)) } else { data.add(bytes: e.dataJSON) }
        }
        return [types.text, cameras.text, times.text, frames.text, paths.text, data.text]
    }
}
