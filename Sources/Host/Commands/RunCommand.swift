import ArgumentParser
import Foundation
import HostMetrics
import Logging
import PluginAPI
import HostRedis
import ServiceLifecycle
import VigilAPI
import VigilConfig
import VigilPipeline
import VigilPlugins
import VigilRedisClient
import VigilRetention
import VigilRouter
import VigilSinks
import VigilSupport
import VigilWorkQueue

/// `vigil run`: cameras, detectors, router, sinks.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the service: cameras, detectors, router and sinks.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Exit once every file camera has reached its end and its events are saved.")
    var exitWhenDone = false

    func run() async throws {
        let settings: Settings
        let config: HostConfig
        do {
            settings = try options.settings()
            config = try HostConfig.load(settings: settings)
        } catch let error as SettingsError {
            error.problems.forEach { LogSetup.rootLogger().critical("Configuration error", metadata: ["error": "\($0)"]) }
            throw ExitCode.failure
        } catch let error as ConfigError {
            LogSetup.rootLogger().critical("Configuration error", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let logger = LogSetup.rootLogger(level: settings.logLevel)
        config.warnings.forEach { logger.warning("Configuration warning", metadata: ["warning": "\($0)"]) }
        guard let databaseURL = settings.databaseURL else {
            logger.critical("DATABASE_URL is not set (scripts/run.sh starts a local PostgreSQL and Redis)")
            throw ExitCode.failure
        }

        let plugins = PluginSet.load(config)
        plugins.failures.forEach { logger.error("Plugin not loaded", metadata: ["error": "\($0)"]) }
        plugins.warnings.forEach { logger.warning("Plugin built by another toolchain", metadata: ["warning": "\($0)"]) }
        let metrics = VigilMetrics()
        let stats = RouterStats(metrics: metrics)
        // The one door to PostgreSQL: the schema is made here, at start (or by the first connection
        // that succeeds, if PostgreSQL is down now); every part below connects through it.
        let plates: PlateVault?
        do { plates = try PlateVault(settings.plates) } catch {
            logger.critical("Configuration error", metadata: ["error": "environment: PLATE_ENCRYPTION_KEY: \(error)"])
            throw ExitCode.failure
        }
        let database = Database(url: databaseURL, plates: plates)
        await Self.migrate(database, logger: logger)
        // One Redis client for the cache, work queues, health and plugins' store (the publisher keeps its own connection).
        let redis = RedisService(client: RedisClient(configuration: settings.redisClient, logger: logger), logger: logger)
        let store = RedisSharedStore(client: redis.client)
        let sinks = SinksService(runners: SinksService.make(config: config, plugins: plugins, settings: settings,
                                                            logger: logger, stats: stats, store: store),
                                 database: database, logger: logger, stats: stats,
                                 drainTime: .milliseconds(Int(settings.sinkDrainSeconds * 1000)))
        metrics.declare(sinks: sinks.names)
        var routerOptions = Router.Options(
            databaseURL: databaseURL,
            publish: PublishOptions.from(settings),
            spoolDirectory: settings.spoolDir,
            queueCapacity: settings.eventQueueCapacity,
            overload: settings.overloadPolicy == .drop ? .drop : .block)
        routerOptions.sinkNames = sinks.names
        routerOptions.durableIntake = settings.durableIntake
        let router = try Router(options: routerOptions, logger: logger, stats: stats, database: database, observer: sinks)

        var pipeline = Pipeline(config: config, settings: settings, plugins: plugins, router: router, logger: logger)
        pipeline.store = store
        let cameras = CamerasService(loops: pipeline.makeCameraLoops(), exitWhenDone: exitWhenDone, logger: logger)
        // Retention runs when anything is to be deleted; its status (and the snapshots' disk use) then
        // shows in / and /metrics.
        // Work-queue cameras leave claims in PostgreSQL that retention prunes (`WORK_QUEUE_CLAIM_DAYS`).
        let queueCameras = pipeline.makeQueueCameras()
        let policy = RetentionPolicy(settings: settings, config: config)
        let retention = policy.deletesAnything || (!queueCameras.isEmpty && policy.queueClaimDays != nil)
            ? RetentionService(policy: policy, database: database, snapshotsDir: settings.snapshotsDir, logger: logger) : nil
        let workQueues = WorkQueueService(
            cameras: queueCameras, client: redis.client, router: router,
            host: settings.hostID ?? WorkQueueService.defaultHostID(),
            lease: .milliseconds(Int(settings.workQueueLeaseSeconds * 1000)), logger: logger)
        let cameraStatus = CameraStatusReporter(client: redis.client, interval: .milliseconds(Int(settings.cameraStatusSeconds * 1000)),
                                                logger: logger) { [loops = cameras.loops, workQueues] in
            loops.map { ($0.camera.id, .init(online: $0.state == .running, fps: $0.fps)) }
                + workQueues.cameraStatuses.map { ($0.id, .init(online: true, fps: $0.fps)) }
        }
        let pool = DatabasePool(database: database, size: settings.apiDatabaseConnections, logger: logger, prepare: EventRepository.prepare)
        defer { pool.shutdown() }
        let view = ServiceView(cameras: cameras.loops, router: router, sinks: sinks.runners, redis: redis.client,
                               retention: retention)
        var apiOptions = APIServer.Options(host: settings.apiHost, port: settings.apiPort,
                                           snapshotsDir: settings.snapshotsDir, token: settings.apiToken, plates: plates)
        apiOptions.channel = settings.channel  // the live feed subscribes where the router publishes
        apiOptions.liveRedis = settings.redis
        let api = APIServer.build(
            options: apiOptions,
            pool: pool, view: view, metrics: metrics, logger: logger,
            onRunning: { port in logger.info("REST API listening", metadata: ["api.port": "\(port)"]) })
        let group = ServiceGroup(configuration: .init(
            services: [
                // Shutdown runs in reverse: cameras stop, the router saves and publishes what is
                // queued (handing it to the sinks), then the sinks stop and save their positions;
                // Redis (cache, queues) goes last.
                .init(service: redis),
                .init(service: sinks),
                .init(service: RouterService(router: router)),
            ] + (retention.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []) + [
                .init(service: APIService(app: api, logger: logger)),
                .init(service: cameraStatus),
                .init(service: workQueues),
                .init(service: cameras, successTerminationBehavior: exitWhenDone ? .gracefullyShutdownGroup : .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        let s = router.stats
        logger.info("vigil stopped", metadata: ["events.saved": "\(s[.saved])", "events.published": "\(s[.published])",
                    "events.spooled": "\(s[.spooled])", "events.dropped": "\(s[.dropped])", "events.lost": "\(s[.lost])"])
        print("run saved=\(s[.saved]) published=\(s[.published]) spooled=\(s[.spooled]) dropped=\(s[.dropped]) rejected=\(s[.rejected])"
              + " lost=\(s[.lost])")
    }

    /// Creates or migrates the schema once at start, on a thread of its own (libpq blocks).
    static func migrate(_ database: Database, logger: Logger) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread {
                do { _ = try database.connect() } catch {
                    logger.error("PostgreSQL not reachable at start; the schema is made once it is", metadata: ["error": "\(error)"])
                }
                c.resume()
            }.start()
        }
    }
}

extension PublishOptions {
    /// Publishing settings from the environment (see README, "Configuration").
    static func from(_ settings: Settings) -> PublishOptions {
        var options = PublishOptions(redis: settings.redis, channel: settings.channel)
        options.perTypeAndCameraChannels = settings.redisExtraChannels
        options.stream = settings.redisStream
        options.streamMaxLength = settings.redisStreamMaxLength
        options.maxCatchUpAge = settings.publishMaxAgeSeconds
        options.plates = settings.plates.publish
        return options
    }
}
