import Foundation
import PluginAPI
import VigilPostgres

/// The events table: the seed's schema, batched inserts, and the outbox/spool bookkeeping.
/// One connection, used by one thread.
package final class EventStore {
    let connection: PostgresConnection

    /// The seed's schema and indexes, plus vigil's bookkeeping tables (outbox, spool, sink positions).
    static let schema = """
        CREATE TABLE IF NOT EXISTS events (id SERIAL PRIMARY KEY, event_type VARCHAR(50) NOT NULL,
          camera_id VARCHAR(100) NOT NULL, timestamp TIMESTAMP NOT NULL, frame_number INTEGER NOT NULL,
          snapshot_path VARCHAR(500), event_data JSONB NOT NULL,
          created_at TIMESTAMP NOT NULL DEFAULT NOW());
        CREATE INDEX IF NOT EXISTS idx_camera_timestamp ON events(camera_id, timestamp);
        CREATE INDEX IF NOT EXISTS idx_event_type_timestamp ON events(event_type, timestamp);
        CREATE INDEX IF NOT EXISTS idx_event_type ON events(event_type);
        CREATE INDEX IF NOT EXISTS idx_camera_id ON events(camera_id);
        CREATE INDEX IF NOT EXISTS idx_timestamp ON events(timestamp);
        CREATE TABLE IF NOT EXISTS vigil_outbox (channel TEXT PRIMARY KEY, last_id BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS vigil_spool (file TEXT PRIMARY KEY, replayed_bytes BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS vigil_sink_position (sink TEXT PRIMARY KEY, last_id BIGINT NOT NULL);
        """

    private static let columns = """
        INSERT INTO events (event_type, camera_id, timestamp, frame_number, snapshot_path, event_data)
        SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::timestamp[], $4::int[], $5::varchar[], $6::jsonb[])
        RETURNING id, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS created
        """

    /// Connects, creates the schema if missing, starts the channel's outbox position (before this
    /// writer's first insert, so nothing it saves can fall before it) and prepares the inserts.
    init(url: String, channel: String) throws {
        connection = try PostgresConnection(url)
        try Self.migrate(connection)
        // A new outbox starts at the table's end: history from before vigil's first run is not replayed.
        try connection.query("""
            INSERT INTO vigil_outbox (channel, last_id) SELECT $1, COALESCE(MAX(id), 0) FROM events
            ON CONFLICT (channel) DO NOTHING
            """, [channel])
        try connection.prepare("insert_events", "WITH ins AS (\(Self.columns)) SELECT id, created FROM ins ORDER BY id")
        try connection.prepare("insert_spooled", """
            WITH ins AS (\(Self.columns)),
                 pos AS (INSERT INTO vigil_spool (file, replayed_bytes) VALUES ($7, $8)
                         ON CONFLICT (file) DO UPDATE SET replayed_bytes = EXCLUDED.replayed_bytes)
            SELECT id, created FROM ins ORDER BY id
            """)
    }

    /// Hourly counts per camera and type, kept by statement-level triggers on every insert, update,
    /// delete and truncate of `events`: the API's totals and stats read these instead of counting rows.
    static let countsSchema = """
        CREATE TABLE IF NOT EXISTS vigil_event_counts (camera_id VARCHAR(100) NOT NULL, event_type VARCHAR(50) NOT NULL,
          hour TIMESTAMP NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (camera_id, event_type, hour));
        CREATE OR REPLACE FUNCTION vigil_count_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'TRUNCATE' THEN TRUNCATE vigil_event_counts; RETURN NULL; END IF;
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE vigil_event_counts c SET n = c.n - d.n
            FROM (SELECT camera_id, event_type, date_trunc('hour', timestamp) AS hour, count(*) AS n
                  FROM old_rows GROUP BY 1, 2, 3) d
            WHERE c.camera_id = d.camera_id AND c.event_type = d.event_type AND c.hour = d.hour;
          END IF;
          IF TG_OP IN ('UPDATE', 'INSERT') THEN
            INSERT INTO vigil_event_counts AS c (camera_id, event_type, hour, n)
            SELECT camera_id, event_type, date_trunc('hour', timestamp), count(*) FROM new_rows GROUP BY 1, 2, 3
            ON CONFLICT (camera_id, event_type, hour) DO UPDATE SET n = c.n + EXCLUDED.n;
          END IF;
          RETURN NULL;
        END $$;
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'vigil_count_insert' AND tgrelid = 'events'::regclass) THEN
            CREATE TRIGGER vigil_count_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
              FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_events();
            CREATE TRIGGER vigil_count_update AFTER UPDATE ON events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
              FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_events();
            CREATE TRIGGER vigil_count_delete AFTER DELETE ON events REFERENCING OLD TABLE AS old_rows
              FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_events();
            CREATE TRIGGER vigil_count_truncate AFTER TRUNCATE ON events
              FOR EACH STATEMENT EXECUTE FUNCTION vigil_count_events();
          END IF;
        END $$;
        """

    /// Creates the schema if missing; safe to run from several connections at once. The first time
    /// the counts table appears it is filled from the events already there, with inserts held off.
    package static func migrate(_ connection: PostgresConnection) throws {
        try connection.execute("SELECT pg_advisory_lock(8069001)")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(8069001)") }
        try connection.execute(schema)
        let ready = try connection.query("""
            SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events'::regclass AND tgname LIKE 'vigil_count_%'
            """, [])
        guard ready[0, 0] != "4" else { return }
        do {
            try connection.execute("""
                BEGIN; LOCK TABLE events IN SHARE MODE;
                DROP TRIGGER IF EXISTS vigil_count_insert ON events; DROP TRIGGER IF EXISTS vigil_count_update ON events;
                DROP TRIGGER IF EXISTS vigil_count_delete ON events; DROP TRIGGER IF EXISTS vigil_count_truncate ON events;
                DROP TABLE IF EXISTS vigil_event_counts;
                \(countsSchema)
                INSERT INTO vigil_event_counts (camera_id, event_type, hour, n)
                  SELECT camera_id, event_type, date_trunc('hour', timestamp), count(*) FROM events GROUP BY 1, 2, 3;
                COMMIT;
                """)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Saves a batch in one statement (one round trip, one commit); rows keep the batch's order.
    func insert(_ batch: [NewEvent]) throws -> [SavedEvent] {
        try saved(batch, try connection.executePrepared("insert_events", Self.arrays(batch)))
    }

    /// Saves a batch replayed from a spool file and records, atomically, how far that file is replayed.
    func insertSpooled(_ batch: [NewEvent], file: String, replayedBytes: Int) throws -> [SavedEvent] {
        try saved(batch, try connection.executePrepared("insert_spooled", Self.arrays(batch) + [file, String(replayedBytes)]))
    }

    /// How many bytes of a spool file are already in the table.
    func spoolPosition(file: String) throws -> Int {
        let r = try connection.query("SELECT replayed_bytes FROM vigil_spool WHERE file = $1", [file])
        return r.count > 0 ? Int(r[0, 0] ?? "0") ?? 0 : 0
    }

    /// Records that a spool file is replayed up to `replayedBytes` (past an event that was refused).
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

    /// The columns `event(at:in:)` reads, in order.
    package static let eventColumns = """
        id, event_type, camera_id, to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS.US'), frame_number,
        snapshot_path, event_data::text, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US')
        """

    /// The event in row `r` of a result that selected `eventColumns` first.
    package static func event(at r: Int, in rows: PostgresResult) -> SavedEvent {
        let event = NewEvent(type: rows[r, 1]!, cameraID: rows[r, 2]!, frameNumber: Int(rows[r, 4]!)!,
                             timestamp: EventJSON.parseSQLTimestamp(rows[r, 3]!) ?? Timestamp(microsecondsSince1970: 0),
                             snapshotPath: rows[r, 5], data: (try? JSONValue(parsing: rows[r, 6]!)) ?? .null)
        return SavedEvent(id: Int64(rows[r, 0]!)!, createdAt: rows[r, 7]!, event: event)
    }

    /// Up to `limit` events saved after `lastID`, in id order, each with its age in seconds: what
    /// the publisher and the sinks catch up from after an outage.
    package static func read(after lastID: Int64, limit: Int, from db: PostgresConnection) throws -> [(event: SavedEvent, ageSeconds: Double)] {
        let rows = try db.query("""
            SELECT \(eventColumns), extract(epoch FROM (now() AT TIME ZONE 'UTC') - created_at)
            FROM events WHERE id > $1 ORDER BY id LIMIT $2
            """, [String(lastID), String(limit)], operation: "catch-up")
        return (0..<rows.count).map { r in (event(at: r, in: rows), Double(rows[r, 8] ?? "0") ?? 0) }
    }

    private func saved(_ batch: [NewEvent], _ result: PostgresResult) throws -> [SavedEvent] {
        guard result.count == batch.count else {
            throw PostgresError(operation: "insert events", message: "expected \(batch.count) rows back, got \(result.count)",
                                sqlState: nil, connectionLost: false)
        }
        return batch.indices.map { i in
            SavedEvent(id: Int64(result[i, 0] ?? "0") ?? 0, createdAt: result[i, 1] ?? "", event: batch[i])
        }
    }

    /// The six text-format arrays for unnest.
    static func arrays(_ batch: [NewEvent]) -> [String?] {
        var types = ArrayLiteral(), cameras = ArrayLiteral(), times = ArrayLiteral()
        var frames = ArrayLiteral(), paths = ArrayLiteral(), data = ArrayLiteral()
        for e in batch {
            types.add(e.type); cameras.add(e.cameraID); times.add(EventJSON.sqlTimestamp(e.timestamp))
            frames.addRaw(String(e.frameNumber)); paths.add(e.snapshotPath)
            data.add(bytes: e.dataJSON)
        }
        return [types.text, cameras.text, times.text, frames.text, paths.text, data.text]
    }
}

/// Builds a PostgreSQL array literal: `{"a","b\"c",NULL}`.
struct ArrayLiteral {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    mutating func add(_ value: String?) {
        guard var value else {
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: "NULL".utf8)
            return
        }
        value.withUTF8 { add(bytes: $0) }
    }

    mutating func add<C: Collection<UInt8>>(bytes value: C) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        for b in value {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(b)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func addRaw(_ value: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: value.utf8)
    }

    var text: String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }
}
