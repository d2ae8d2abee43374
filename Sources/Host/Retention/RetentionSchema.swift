/// Retention's own bookkeeping, a separate block beside the router's schema (created once at start
/// by `RetentionService`; the place where every migration runs can take it as it is).
///
/// `vigil_snapshot_retention`: per snapshots folder (host name and path: several hosts may share
/// PostgreSQL, each with its own folder), camera and event type, the event time up to which the
/// snapshot files of kept events were already deleted for their age — so each pass reads only
/// the rows that aged since the last one.
package enum RetentionSchema {
    package static let sql = """
        CREATE TABLE IF NOT EXISTS vigil_snapshot_retention (folder TEXT NOT NULL, camera_id VARCHAR(100) NOT NULL,
          event_type VARCHAR(50) NOT NULL, done_until TIMESTAMP NOT NULL, done_id BIGINT NOT NULL,
          PRIMARY KEY (folder, camera_id, event_type));
        """
}
