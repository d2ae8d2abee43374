import Foundation
import Logging
import VigilPostgres
import VigilRouter

/// One retention pass, on one PostgreSQL connection and one thread:
/// 1. events past their days are deleted, camera by camera and type by type, `batchSize` rows per
///    statement (each its own short transaction, so the writer never waits on it; the count triggers
///    keep the hourly counts right), and their snapshot files with them;
/// 2. snapshot files past their days whose events are kept are deleted (rows read from where the
///    last pass stopped, `vigil_snapshot_retention`);
/// 3. day folders past the longest snapshot life go whole (files of no event included);
/// 4. over `SNAPSHOTS_MAX_GB`, the oldest files go until the folder fits.
final class RetentionPass {
    private let policy: RetentionPolicy
    private let folder: SnapshotFolder
    /// Who this snapshots folder is in `vigil_snapshot_retention`: host name and path.
    private let folderKey: String
    private let logger: Logger
    /// Pause between two batches, so a long backlog does not monopolise the database.
    var pause: Double = 0.01
    /// Asked between batches; true ends the pass early.
    var shouldStop: () -> Bool = { false }

    init(policy: RetentionPolicy, snapshotsDir: String, logger: Logger) {
        self.policy = policy
        folder = SnapshotFolder(root: snapshotsDir)
        folderKey = "\(ProcessInfo.processInfo.hostName):\(folder.root)"
        self.logger = logger
    }

    /// Creates retention's table (the events table and its counts exist already).
    static func prepare(_ db: PostgresConnection) throws {
        try db.execute(RetentionSchema.sql)
    }

    /// Runs the pass, adding what it deleted to `status`. `events`: whether this host deletes events
    /// (it holds the lock); its own snapshots folder it trims either way.
    func run(_ db: PostgresConnection, into status: inout RetentionStatus, events: Bool = true) throws {
        let pairs = try db.query("SELECT camera_id, event_type FROM vigil_event_counts WHERE n > 0 GROUP BY 1, 2", [],
                                 operation: "retention: cameras and types")
        for r in 0..<pairs.count where !shouldStop() {
            let camera = pairs[r, 0]!, type = pairs[r, 1]!
            if events, let days = policy.eventsDays(camera: camera, type: type) {
                try deleteEvents(db, camera: camera, type: type, days: days, into: &status)
            }
            if let days = policy.snapshotsOnlyDays(camera: camera, type: type) {
                try deleteSnapshots(db, camera: camera, type: type, days: days, into: &status)
            }
        }
        if events, let days = policy.queueClaimDays, !shouldStop() {
            try deleteQueueClaims(db, days: days, into: &status)
        }
        // Counts of hours that no longer hold any event (well past the hours being written).
        if events {
            try db.query("DELETE FROM vigil_event_counts WHERE n = 0 AND hour < (now() AT TIME ZONE 'UTC') - interval '2 hours'",
                         [], operation: "retention: empty hours")
        }
        if let days = policy.longestSnapshotDays, !shouldStop() {
            let gone = folder.deleteDays(olderThan: days)
            status.snapshotsDeletedByAge += gone.files; status.snapshotBytesDeleted += gone.bytes
        }
        if let cap = policy.defaults.snapshotsMaxBytes, !shouldStop() {
            let gone = folder.trim(to: cap)
            status.snapshotsDeletedByCap += gone.files; status.snapshotBytesDeleted += gone.bytes
        }
        folder.removeEmptyFolders()
        let usage = folder.usage()
        status.snapshotsDiskBytes = usage.bytes
        status.snapshotsDiskFiles = usage.files
    }

    /// Deletes the pair's events older than `days`, a batch per statement, and their snapshot files.
    private func deleteEvents(_ db: PostgresConnection, camera: String, type: String, days: Double,
                              into status: inout RetentionStatus) throws {
        let params = [camera, type, String(days), String(policy.defaults.batchSize)]
        while !shouldStop() {
            let rows = try db.query("""
                DELETE FROM events WHERE id IN (
                  SELECT id FROM events WHERE camera_id = $1 AND event_type = $2
                    AND timestamp < (now() AT TIME ZONE 'UTC') - $3::float8 * interval '1 day' LIMIT $4)
                RETURNING snapshot_path
                """, params, operation: "retention: delete events")
            status.eventsDeleted += rows.count
            for i in 0..<rows.count {
                guard let stored = rows[i, 0], let path = folder.file(for: stored), let bytes = folder.delete(path) else { continue }
                status.snapshotsDeletedWithEvents += 1; status.snapshotBytesDeleted += bytes
            }
            if rows.count > 0 {
                logger.debug("Retention deleted events", metadata: ["camera.id": "\(camera)", "event.type": "\(type)",
                                                                    "events": "\(rows.count)"])
            }
            guard rows.count >= policy.defaults.batchSize else { return }
            Thread.sleep(forTimeInterval: pause)
        }
    }

    /// Deletes work-queue job claims saved more than `days` ago, a batch per statement.
    private func deleteQueueClaims(_ db: PostgresConnection, days: Double, into status: inout RetentionStatus) throws {
        while !shouldStop() {
            let rows = try db.query("""
                DELETE FROM vigil_queue_jobs WHERE (queue, job_md5) IN (
                  SELECT queue, job_md5 FROM vigil_queue_jobs WHERE saved_at < now()::timestamp - $1::float8 * interval '1 day' LIMIT $2)
                RETURNING 1
                """, [String(days), String(policy.defaults.batchSize)], operation: "retention: delete work-queue claims")
            status.queueClaimsDeleted += rows.count
            guard rows.count >= policy.defaults.batchSize else { return }
            Thread.sleep(forTimeInterval: pause)
        }
    }

    /// Deletes the snapshot files of the pair's kept events older than `days`, from where the last
    /// pass stopped (event time and id; rows are read in that order).
    private func deleteSnapshots(_ db: PostgresConnection, camera: String, type: String, days: Double,
                                 into status: inout RetentionStatus) throws {
        let key = [folderKey, camera, type]
        let done = try db.query("""
            SELECT to_char(done_until, 'YYYY-MM-DD HH24:MI:SS.US'), done_id FROM vigil_snapshot_retention
            WHERE folder = $1 AND camera_id = $2 AND event_type = $3
            """, key, operation: "retention: snapshot position")
        var from = (time: done.count > 0 ? done[0, 0]! : "-infinity", id: done.count > 0 ? done[0, 1]! : "0")
        while !shouldStop() {
            let rows = try db.query("""
                SELECT to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS.US'), id, snapshot_path FROM events
                WHERE camera_id = $1 AND event_type = $2 AND timestamp >= $3::timestamp AND (timestamp, id) > ($3::timestamp, $4::bigint)
                  AND timestamp < (now() AT TIME ZONE 'UTC') - $5::float8 * interval '1 day' AND snapshot_path IS NOT NULL
                ORDER BY timestamp, id LIMIT $6
                """, [camera, type, from.time, from.id, String(days), String(policy.defaults.batchSize)],
                operation: "retention: old snapshots")
            for i in 0..<rows.count {
                guard let stored = rows[i, 2], let path = folder.file(for: stored), let bytes = folder.delete(path) else { continue }
                status.snapshotsDeletedByAge += 1; status.snapshotBytesDeleted += bytes
            }
            let finished = rows.count < policy.defaults.batchSize
            // Done up to the cutoff when the batch was the last, else up to the last row read.
            from = finished ? (try cutoff(db, days: days), "0") : (rows[rows.count - 1, 0]!, rows[rows.count - 1, 1]!)
            try db.query("""
                INSERT INTO vigil_snapshot_retention (folder, camera_id, event_type, done_until, done_id)
                VALUES ($1, $2, $3, $4::timestamp, $5::bigint)
                ON CONFLICT (folder, camera_id, event_type) DO UPDATE SET done_until = EXCLUDED.done_until, done_id = EXCLUDED.done_id
                """, key + [from.time, from.id], operation: "retention: snapshot position")
            if finished { return }
            Thread.sleep(forTimeInterval: pause)
        }
    }

    private func cutoff(_ db: PostgresConnection, days: Double) throws -> String {
        try db.query("SELECT to_char((now() AT TIME ZONE 'UTC') - $1::float8 * interval '1 day', 'YYYY-MM-DD HH24:MI:SS.US')",
                     [String(days)], operation: "retention: cutoff")[0, 0]!
    }
}
