import VigilConfig

/// Which rule keeps which events and snapshots. For a camera and an event type, the first rule
/// that sets a value wins: the camera's own `retention` (plugins.json), then its event type's
/// (`retention.event_types`), then the defaults (`RETENTION_DAYS`, `SNAPSHOTS_RETENTION_DAYS`).
/// 0 days, or no rule at all, keeps them for ever. A snapshot never outlives its event: when its
/// event is deleted, so is its file.
package struct RetentionPolicy: Sendable, Equatable {
    /// The defaults from the environment.
    package var defaults: RetentionSettings
    /// `cameras[].retention` by camera id.
    package var cameras: [String: RetentionRule]
    /// `retention.event_types` by event type.
    package var eventTypes: [String: RetentionRule]
    /// Days a work-queue job's claim (`vigil_queue_jobs`) is kept after its events were saved
    /// (`WORK_QUEUE_CLAIM_DAYS`); nil: for ever. Within it, the same job run again is not saved twice.
    package var queueClaimDays: Double?

    package init(defaults: RetentionSettings, cameras: [String: RetentionRule] = [:], eventTypes: [String: RetentionRule] = [:]) {
        self.defaults = defaults; self.cameras = cameras; self.eventTypes = eventTypes
    }

    package init(settings: Settings, config: HostConfig) {
        self.init(defaults: settings.retention,
                  cameras: Dictionary(config.cameras.map { ($0.id, $0.retention) }, uniquingKeysWith: { a, _ in a }),
                  eventTypes: config.retentionByType)
        queueClaimDays = Self.finite(settings.workQueueClaimDays)
    }

    /// Days `camera`'s events of `type` are kept; nil: for ever.
    package func eventsDays(camera: String, type: String) -> Double? {
        Self.finite(cameras[camera]?.eventsDays ?? eventTypes[type]?.eventsDays ?? defaults.eventsDays)
    }

    /// Days `camera`'s snapshots of `type` are kept; nil: for ever (or as long as their events).
    package func snapshotsDays(camera: String, type: String) -> Double? {
        Self.finite(cameras[camera]?.snapshotsDays ?? eventTypes[type]?.snapshotsDays ?? defaults.snapshotsDays)
    }

    /// The snapshot days to enforce apart from event deletion: nil when the events go first anyway.
    package func snapshotsOnlyDays(camera: String, type: String) -> Double? {
        guard let s = snapshotsDays(camera: camera, type: type) else { return nil }
        if let e = eventsDays(camera: camera, type: type), e <= s { return nil }
        return s
    }

    /// Every snapshot older than this many days is expired whoever it belongs to (nil when some
    /// camera and type keep snapshots for ever): whole day folders past it can go, files of no
    /// event included. A snapshot lives at most as long as its event.
    package var longestSnapshotDays: Double? {
        let other = "\u{0}"  // a camera, or a type, with no rule of its own (ids cannot hold NUL)
        var longest = 0.0
        for camera in Array(cameras.keys) + [other] {
            for type in Array(eventTypes.keys) + [other] {
                let days = [eventsDays(camera: camera, type: type), snapshotsDays(camera: camera, type: type)]
                guard let life = days.compactMap({ $0 }).min() else { return nil }
                longest = max(longest, life)
            }
        }
        return longest
    }

    /// Whether this policy ever deletes anything.
    package var deletesAnything: Bool {
        let rules = Array(cameras.values) + Array(eventTypes.values)
        return !defaults.isOff || rules.contains { ($0.eventsDays ?? 0) > 0 || ($0.snapshotsDays ?? 0) > 0 }
    }

    private static func finite(_ days: Double?) -> Double? { days.flatMap { $0 > 0 ? $0 : nil } }
}
