import VigilPostgres

/// vigil's schema, as numbered steps recorded in `vigil_schema_version`. `run` applies the steps
/// a database does not have yet, under an advisory lock (several hosts may start at once). Every
/// step is idempotent, so a database made before the version table existed is adopted as it is.
enum Migrations {
    struct Step: Sendable {
        let version: Int
        let name: String
        let apply: @Sendable (PostgresConnection) throws -> Void
    }

    /// The newest version `run` brings a database to.
    static var latest: Int { steps.last!.version }

    static let steps: [Step] = [
        Step(version: 1, name: "events table, indexes, outbox, spool and sink positions") { try $0.execute(baseSchema) },
        Step(version: 2, name: "hourly counts kept by triggers", apply: addCounts),
        Step(version: 3, name: "writer batch ids") { try $0.execute(writerSchema) },
        Step(version: 4, name: "work-queue job claims") { try $0.execute(queueJobsSchema) },
        Step(version: 5, name: "plate search indexes and key rotation progress") { try $0.execute(plateSchema) },
    ]

    /// Brings the database to `latest`; returns the steps applied.
    @discardableResult
    static func run(_ db: PostgresConnection) throws -> [Int] {
        try db.execute("SELECT pg_advisory_lock(8069001)")
        defer { _ = try? db.execute("SELECT pg_advisory_unlock(8069001)") }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS vigil_schema_version (version INTEGER PRIMARY KEY,
              name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT NOW())
            """)
        let current = Int(try db.query("SELECT COALESCE(MAX(version), 0) FROM vigil_schema_version", [])[0, 0] ?? "0") ?? 0
        var applied: [Int] = []
        for step in steps where step.version > current {
            try step.apply(db)
            try db.query("INSERT INTO vigil_schema_version (version, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                         [String(step.version), step.name])
            applied.append(step.version)
        }
        return applied
    }

    /// The seed's schema and indexes, plus vigil's bookkeeping tables.
    static let baseSchema = """
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

    /// One row per writer (a spool folder): the id of the last batch it committed, written in the
    /// same statement as the batch, so after a lost COMMIT answer the writer can tell whether it happened.
    static let writerSchema = """
        CREATE TABLE IF NOT EXISTS vigil_writer (writer TEXT PRIMARY KEY, last_batch TEXT NOT NULL,
          saved_at TIMESTAMP NOT NULL DEFAULT NOW())
        """

    /// One row per work-queue job whose events are saved (`redis-queue://` sources), written in the
    /// same transaction as its events, so a job run twice is saved once.
    static let queueJobsSchema = """
        CREATE TABLE IF NOT EXISTS vigil_queue_jobs (queue TEXT NOT NULL, job_md5 TEXT NOT NULL, events INT NOT NULL,
          saved_at TIMESTAMP NOT NULL DEFAULT NOW(), PRIMARY KEY (queue, job_md5))
        """

    /// Searching by plate (`?plate=`): encrypted rows by `plate_hmac`, plain rows by their normalised
    /// plate; both partial, so only ANPR rows are indexed. `vigil_plate_rotation`: how far
    /// `vigil plates rotate-key` got towards each key id, written in each batch's transaction.
    static let plateSchema = """
        CREATE INDEX IF NOT EXISTS idx_events_plate_hmac ON events ((event_data->>'plate_hmac')) WHERE event_data ? 'plate_key';
        CREATE INDEX IF NOT EXISTS idx_events_plate_text ON events ((\(PlateFields.plainPlateSQL)))
          WHERE event_data ? 'anpr_result' AND NOT event_data ? 'plate_key';
        CREATE TABLE IF NOT EXISTS vigil_plate_rotation (key_id TEXT PRIMARY KEY, last_id BIGINT NOT NULL,
          rows BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL DEFAULT NOW());
        """

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

    /// The counts table and its triggers; the first time, filled from the events already there
    /// with inserts held off. Skipped when all four triggers exist.
    static func addCounts(_ db: PostgresConnection) throws {
        let ready = try db.query("""
            SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events'::regclass AND tgname LIKE 'vigil_count_%'
            """, [])
        guard ready[0, 0] != "4" else { return }
        do {
            try db.execute("""
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
            _ = try? db.execute("ROLLBACK")
            throw error
        }
    }
}
