/// What retention has done since vigil started (the status page's `retention`, and `/metrics`).
package struct RetentionStatus: Encodable, Sendable, Equatable {
    /// Completed passes.
    package var passes = 0
    /// When the last pass ended (ISO 8601, UTC).
    package var lastPassAt: String?
    /// How long the last pass took.
    package var lastPassSeconds = 0.0
    /// Rows deleted from `events`.
    package var eventsDeleted = 0
    /// Snapshot files deleted with their events.
    package var snapshotsDeletedWithEvents = 0
    /// Snapshot files deleted for their age (their events kept).
    package var snapshotsDeletedByAge = 0
    /// Snapshot files deleted, oldest first, to keep the folder under `SNAPSHOTS_MAX_GB`.
    package var snapshotsDeletedByCap = 0
    /// Work-queue job claims deleted (older than `WORK_QUEUE_CLAIM_DAYS`).
    package var queueClaimsDeleted = 0
    /// Disk space those files used.
    package var snapshotBytesDeleted: Int64 = 0
    /// Disk space the snapshots folder uses (nil before the first pass measured it).
    package var snapshotsDiskBytes: Int64?
    /// Files in the snapshots folder.
    package var snapshotsDiskFiles: Int?
    /// `SNAPSHOTS_MAX_GB` in bytes; nil when there is no cap.
    package var snapshotsMaxBytes: Int64?
    /// The last pass's error, if it failed (the next pass tries again).
    package var lastError: String?

    enum CodingKeys: String, CodingKey {
        case passes, lastPassAt = "last_pass_at", lastPassSeconds = "last_pass_seconds", eventsDeleted = "events_deleted",
             snapshotsDeletedWithEvents = "snapshots_deleted_with_events", snapshotsDeletedByAge = "snapshots_deleted_by_age",
             snapshotsDeletedByCap = "snapshots_deleted_by_cap",
             queueClaimsDeleted = "queue_claims_deleted", snapshotBytesDeleted = "snapshot_bytes_deleted",
             snapshotsDiskBytes = "snapshots_disk_bytes", snapshotsDiskFiles = "snapshots_disk_files",
             snapshotsMaxBytes = "snapshots_max_bytes", lastError = "last_error"
    }
}
