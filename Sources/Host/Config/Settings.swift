import Foundation
import VigilRedisClient

/// The host's settings: every environment variable vigil reads, parsed and checked here and only
/// here, from the process environment and `.env` (the environment wins). A bad value is an error
/// naming the variable (`environment: API_PORT: expected a whole number from 0 to 65535, found "http"`);
/// every bad value is reported at once (`SettingsError`).
package struct Settings: Sendable {
    /// PostgreSQL connection string (libpq URI or key=value); nil when not configured.
    package var databaseURL: String?
    /// Redis address (`REDIS_URL`, or `REDIS_HOST`/`REDIS_PORT`/`REDIS_DB`/`REDIS_PASSWORD`).
    package var redis: RedisAddress
    /// The host's Redis client settings (`REDIS_URL`/`REDIS_HOST`…, `REDIS_USERNAME`, `REDIS_POOL_SIZE`,
    /// timeouts, retries, keepalive, health checks: every variable `RedisConfiguration(environment:)` reads).
    package var redisClient: RedisConfiguration
    /// Pub/Sub channel events are published on (`REDIS_CHANNEL_NAME`, default "events").
    package var channel: String
    /// Also publish on `<channel>:<event_type>` and `<channel>:<camera_id>` (`REDIS_EXTRA_CHANNELS`, default false).
    package var redisExtraChannels: Bool
    /// Also `XADD` every event to this stream (`REDIS_STREAM`, default off).
    package var redisStream: String?
    /// The stream's approximate length cap (`REDIS_STREAM_MAXLEN`, default 100,000).
    package var redisStreamMaxLength: Int
    /// After a Redis outage, events older than this are counted, not published (`PUBLISH_MAX_AGE_SECONDS`, default 3600).
    package var publishMaxAgeSeconds: Double
    /// Where events wait while PostgreSQL is down (`SPOOL_DIR`, default "spool").
    package var spoolDir: String
    /// What a full in-memory queue does to the cameras (`OVERLOAD_POLICY`: block, the default, or drop).
    package var overloadPolicy: Overload
    /// Events held in memory between cameras and the writer (`EVENT_QUEUE_CAPACITY`, default 100,000).
    package var eventQueueCapacity: Int
    /// Where snapshot PNGs are written (`SNAPSHOTS_DIR`, default "snapshots").
    package var snapshotsDir: String
    /// Whether snapshots are written (`ENABLE_SNAPSHOTS`, default true).
    package var enableSnapshots: Bool
    /// Pixels of snapshots waiting to be written, per camera, at most (`SNAPSHOT_QUEUE_MB`, default 256);
    /// beyond it snapshots are skipped and counted, their events still routed.
    package var snapshotQueueBytes: Int
    /// Retention of events and snapshots (`RETENTION_DAYS`, `SNAPSHOTS_RETENTION_DAYS`, `SNAPSHOTS_MAX_GB`, …).
    package var retention: RetentionSettings
    /// Plate encryption at rest and what is published (`PLATE_ENCRYPTION_KEY`, `PLATE_ENCRYPTION_OLD_KEYS`, `PLATE_PUBLISH`).
    package var plates: PlateSettings
    /// REST API port (`API_PORT`, default 8069; 0 picks a free port).
    package var apiPort: Int
    /// Address the REST API listens on (`API_HOST`, default 0.0.0.0: every interface).
    package var apiHost: String
    /// When set (`API_TOKEN`), every /api route requires `Authorization: Bearer <token>`.
    package var apiToken: String?
    /// `DURABLE_INTAKE` (default false): `submit` returns only once the event is fsynced in the spool.
    package var durableIntake: Bool
    /// PostgreSQL connections the REST API reads through (`API_DB_CONNECTIONS`, default 4).
    package var apiDatabaseConnections: Int
    /// At shutdown, how long the sinks may take to empty their queues (`SINK_DRAIN_SECONDS`, default 5).
    package var sinkDrainSeconds: Double
    /// Where each sink's dead-letter file goes unless its `delivery.dead_letter` says otherwise
    /// (`DEAD_LETTER_DIR`, default "dead-letter").
    package var deadLetterDir: String
    /// plugins.json path (`VIGIL_CONFIG`, default "plugins.json").
    package var configPath: String
    /// Where plugin instances keep state across restarts (`STATE_DIR`, default "state").
    package var stateDir: String
    /// How long a host's claim on work-queue jobs lasts without renewal (`WORK_QUEUE_LEASE_SECONDS`, default 10, ≥ 1).
    package var workQueueLeaseSeconds: Double
    /// Days a work-queue job's claim in PostgreSQL is kept after its events were saved, so the same
    /// job run again is saved once (`WORK_QUEUE_CLAIM_DAYS`, default 7; 0 keeps claims for ever).
    package var workQueueClaimDays: Double
    /// How often each camera's status is written to the Redis cache (`CAMERA_STATUS_SECONDS`, default 10).
    package var cameraStatusSeconds: Double
    /// This host's name in work-queue processing lists (`VIGIL_HOST_ID`; nil: host name and process id).
    package var hostID: String?
    /// Where relative `library` paths are looked up unless plugins.json sets `plugin_dir`
    /// (`VIGIL_PLUGIN_DIR`, default: the vigil executable's folder).
    package var pluginDir: String?
    /// The log level (`LOG_LEVEL`: trace, debug, info — the default —, notice, warning, error or critical).
    package var logLevel: String
    /// Every variable seen, for `${VAR}` substitution in plugins.json.
    package var environment: [String: String]

    /// `OVERLOAD_POLICY`.
    package enum Overload: String, Sendable { case block, drop }

    package static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Reads `.env` in `directory` (if present) under the process environment.
    package static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                             directory: String = FileManager.default.currentDirectoryPath) throws -> Settings {
        let dotEnv = try DotEnv.read(path: directory + "/.env")
        // Plugins read their own variables (a webhook secret, say) from the process environment:
        // export what .env adds there too, without overriding the real environment.
        for (key, value) in dotEnv where environment[key] == nil { setenv(key, value, 0) }
        var merged = dotEnv
        merged.merge(environment) { _, env in env }
        return try Settings(merged)
    }

    /// Parses `env`; throws a `SettingsError` listing every bad value.
    package init(_ env: [String: String]) throws {
        var r = EnvironmentReader(env)
        environment = env
        databaseURL = r.text("DATABASE_URL")
        // The client library parses every REDIS_* connection variable; its first bad one is reported here.
        do {
            redisClient = try RedisConfiguration(environment: env)
        } catch let error as RedisConfigurationError {
            r.fail(error.variable, error.message)
            redisClient = RedisConfiguration()
        }
        redisClient.clientName = "vigil"
        redis = RedisAddress(redisClient)
        channel = r.string("REDIS_CHANNEL_NAME", "events")
        redisExtraChannels = r.flag("REDIS_EXTRA_CHANNELS", false)
        redisStream = r.text("REDIS_STREAM")
        redisStreamMaxLength = r.int("REDIS_STREAM_MAXLEN", 100_000, 1...1_000_000_000)
        publishMaxAgeSeconds = r.number("PUBLISH_MAX_AGE_SECONDS", 3600, 0...1e9)
        spoolDir = r.string("SPOOL_DIR", "spool")
        overloadPolicy = r.choice("OVERLOAD_POLICY", .block, [("block", .block), ("drop", .drop)])
        durableIntake = r.flag("DURABLE_INTAKE", false)
        eventQueueCapacity = r.int("EVENT_QUEUE_CAPACITY", 100_000, 1...100_000_000)
        snapshotsDir = r.string("SNAPSHOTS_DIR", "snapshots")
        enableSnapshots = r.flag("ENABLE_SNAPSHOTS", true)
        snapshotQueueBytes = Int(r.number("SNAPSHOT_QUEUE_MB", 256, 1...1_000_000) * 1_048_576)
        retention = RetentionSettings(&r)
        plates = PlateSettings(&r)
        apiPort = r.int("API_PORT", 8069, 0...65535)
        apiHost = r.string("API_HOST", "0.0.0.0")
        apiToken = r.text("API_TOKEN")
        apiDatabaseConnections = r.int("API_DB_CONNECTIONS", 4, 1...256)
        sinkDrainSeconds = r.number("SINK_DRAIN_SECONDS", 5, 0...86_400)
        deadLetterDir = r.string("DEAD_LETTER_DIR", "dead-letter")
        configPath = r.string("VIGIL_CONFIG", "plugins.json")
        stateDir = r.string("STATE_DIR", "state")
        workQueueLeaseSeconds = r.number("WORK_QUEUE_LEASE_SECONDS", 10, 1...86_400)
        workQueueClaimDays = r.number("WORK_QUEUE_CLAIM_DAYS", 7, 0...36_500)
        cameraStatusSeconds = r.number("CAMERA_STATUS_SECONDS", 10, 0.1...86_400)
        hostID = r.text("VIGIL_HOST_ID")
        pluginDir = r.text("VIGIL_PLUGIN_DIR")
        logLevel = r.choice("LOG_LEVEL", "info", Self.logLevels.map { ($0, $0) })
        if !r.problems.isEmpty { throw SettingsError(problems: r.problems) }
    }
}

/// How long events and snapshots are kept, and how much disk snapshots may use. plugins.json
/// refines the days per event type and per camera (`retention`); these are the defaults.
package struct RetentionSettings: Sendable, Equatable {
    /// Events older than this many days are deleted (`RETENTION_DAYS`; unset or 0: kept for ever).
    package var eventsDays: Double?
    /// Snapshot files older than this are deleted (`SNAPSHOTS_RETENTION_DAYS`, default `RETENTION_DAYS`).
    package var snapshotsDays: Double?
    /// The most disk the snapshots folder may use; the oldest files go first (`SNAPSHOTS_MAX_GB`; unset or 0: no cap).
    package var snapshotsMaxBytes: Int64?
    /// Seconds between retention passes (`RETENTION_INTERVAL_SECONDS`, default 60).
    package var intervalSeconds: Double
    /// Rows deleted per statement (`RETENTION_BATCH_SIZE`, default 500): small, so no lock is held long.
    package var batchSize: Int

    package init(eventsDays: Double? = nil, snapshotsDays: Double? = nil, snapshotsMaxBytes: Int64? = nil,
                 intervalSeconds: Double = 60, batchSize: Int = 500) {
        self.eventsDays = eventsDays; self.snapshotsDays = snapshotsDays; self.snapshotsMaxBytes = snapshotsMaxBytes
        self.intervalSeconds = intervalSeconds; self.batchSize = batchSize
    }

    init(_ r: inout EnvironmentReader) {
        let days = r.number("RETENTION_DAYS", 0, 0...365_000)
        eventsDays = days > 0 ? days : nil
        let snapshotDays = r.number("SNAPSHOTS_RETENTION_DAYS", days, 0...365_000)
        snapshotsDays = snapshotDays > 0 ? snapshotDays : nil
        let gb = r.number("SNAPSHOTS_MAX_GB", 0, 0...1_000_000)
        snapshotsMaxBytes = gb > 0 ? Int64(gb * 1_073_741_824) : nil
        intervalSeconds = r.number("RETENTION_INTERVAL_SECONDS", 60, 0.01...86_400)
        batchSize = r.int("RETENTION_BATCH_SIZE", 500, 1...100_000)
    }

    /// Whether anything is to be deleted at all (plugins.json may still ask for it per type or camera).
    package var isOff: Bool { eventsDays == nil && snapshotsDays == nil && snapshotsMaxBytes == nil }
}
