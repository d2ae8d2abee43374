import ArgumentParser
import Foundation
import HostMetrics
import Logging
import PluginAPI
import ServiceLifecycle
import VigilAPI
import VigilConfig
import VigilPipeline
import VigilPlugins
import VigilRouter
import VigilSinks
import VigilSupport

/// `vigil run`: cameras, detectors, router, sinks.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the service: cameras, detectors, router and sinks.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Exit once every file camera has reached its end and its events are saved.")
    var exitWhenDone = false

    func run() async throws {
        let logger = LogSetup.rootLogger()
        let settings: Settings
        let config: HostConfig
        do {
            settings = try options.settings()
            config = try HostConfig.load(path: settings.configPath, environment: settings.environment)
        } catch let error as ConfigError {
            logger.critical("Configuration error", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        config.warnings.forEach { logger.warning("Configuration warning", metadata: ["warning": "\($0)"]) }
        let policyText = settings.environment["OVERLOAD_POLICY"].flatMap { $0.isEmpty ? nil : $0 } ?? "block"
        guard let policy = OverloadPolicy(rawValue: policyText) else {
            logger.critical("Configuration error", metadata: ["error": "environment: OVERLOAD_POLICY: expected block or drop, found \"\(policyText)\""])
            throw ExitCode.failure
        }
        guard let databaseURL = settings.databaseURL else {
            logger.critical("DATABASE_URL is not set (scripts/run.sh starts a local PostgreSQL and Redis)")
            throw ExitCode.failure
        }

        let plugins = PluginSet.load(config)
        plugins.failures.forEach { logger.error("Plugin not loaded", metadata: ["error": "\($0)"]) }
        plugins.warnings.forEach { logger.warning("Plugin built by another toolchain", metadata: ["warning": "\($0)"]) }
        let metrics = VigilMetrics()
        let stats = RouterStats(metrics: metrics)
        let sinks = SinksService(runners: SinksService.make(config: config, plugins: plugins, settings: settings,
                                                            logger: logger, stats: stats),
                                 databaseURL: databaseURL, logger: logger, stats: stats,
                                 drainTime: .milliseconds(Int((settings.environment["SINK_DRAIN_SECONDS"].flatMap(Double.init) ?? 5) * 1000)))
        metrics.declare(sinks: sinks.runners.map(\.name))
        let router = try Router(options: .init(
            databaseURL: databaseURL,
            publish: PublishOptions.from(settings),
            spoolDirectory: settings.environment["SPOOL_DIR"] ?? "spool",
            queueCapacity: settings.environment["EVENT_QUEUE_CAPACITY"].flatMap(Int.init) ?? 100_000,
            overload: policy),
            logger: logger, stats: stats, onPublished: { sinks.offer($0) })

        let pipeline = Pipeline(config: config, settings: settings, plugins: plugins, router: router, logger: logger)
        let cameras = CamerasService(loops: pipeline.makeCameraLoops(), exitWhenDone: exitWhenDone, logger: logger)
        let pool = DatabasePool(url: databaseURL, size: 4, prepare: EventRepository.prepare)
        defer { pool.shutdown() }
        let view = ServiceView(cameras: cameras.loops, router: router, sinks: sinks.runners, redis: settings.redis)
        let api = APIServer.build(
            options: .init(host: settings.apiHost, port: settings.apiPort,
                           snapshotsDir: settings.snapshotsDir, token: settings.apiToken),
            pool: pool, view: view, metrics: metrics, logger: logger,
            onRunning: { port in logger.info("REST API listening", metadata: ["api.port": "\(port)"]) })
        let group = ServiceGroup(configuration: .init(
            services: [
                // Shutdown runs in reverse: cameras stop, the router saves and publishes what is
                // queued (handing it to the sinks), then the sinks stop and save their positions.
                .init(service: sinks),
                .init(service: RouterService(router: router)),
                .init(service: APIService(app: api, logger: logger)),
                .init(service: cameras, successTerminationBehavior: exitWhenDone ? .gracefullyShutdownGroup : .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        let s = router.stats
        logger.info("vigil stopped", metadata: ["events.saved": "\(s["saved"])", "events.published": "\(s["published"])",
                    "events.spooled": "\(s["spooled"])", "events.dropped": "\(s["dropped"])"])
        print("run saved=\(s["saved"]) published=\(s["published"]) spooled=\(s["spooled"]) dropped=\(s["dropped"]) rejected=\(s["rejected"])")
    }
}

extension PublishOptions {
    /// Publishing settings from the environment (see README, "Configuration").
    static func from(_ settings: Settings) -> PublishOptions {
        let env = settings.environment
        var options = PublishOptions(redis: settings.redis, channel: settings.channel)
        options.perTypeAndCameraChannels = ["1", "true", "yes"].contains(env["REDIS_EXTRA_CHANNELS"]?.lowercased() ?? "")
        options.stream = env["REDIS_STREAM"].flatMap { $0.isEmpty ? nil : $0 }
        options.streamMaxLength = env["REDIS_STREAM_MAXLEN"].flatMap(Int.init) ?? 100_000
        options.maxCatchUpAge = env["PUBLISH_MAX_AGE_SECONDS"].flatMap(Double.init) ?? 3600
        return options
    }
}
