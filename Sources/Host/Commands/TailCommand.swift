import ArgumentParser
import Foundation
import HostRedis
import Logging
import VigilConfig
import VigilRouter
import VigilRedisClient
import VigilSupport

/// `vigil tail`: prints published events as they come, one line each, optionally starting with
/// what PostgreSQL holds after an id. Reconnects by itself when Redis restarts (and, with
/// DATABASE_URL, prints from PostgreSQL what was published while it was away); exits 0 on
/// Ctrl+C or SIGTERM.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print published events as they happen, one line each.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, text }

    @Option(help: "Only events of this camera.") var camera: String?
    @Option(help: "Only events of this type.") var type: String?
    @Option(help: "The Pub/Sub channel (default: $REDIS_CHANNEL_NAME or events).") var channel: String?
    @Option(help: "json: the published JSON as it is; text: time, camera, type, id and data.") var format: Format = .json
    @Option(help: "First print the events PostgreSQL holds after this id (needs DATABASE_URL), then go live.")
    var since: Int64?

    func run() async throws {
        let logger = LogSetup.rootLogger()
        let settings = try Settings.load()
        if since != nil, settings.databaseURL == nil {
            throw ValidationError("--since reads PostgreSQL: DATABASE_URL is not set")
        }
        var configuration = settings.redisClient
        configuration.poolSize = 1
        configuration.clientName = "vigil-tail"
        let tail = EventTail(client: RedisClient(configuration: configuration, logger: logger),
                             channel: channel ?? settings.channel, databaseURL: settings.databaseURL,
                             filter: EventTail.Filter(camera: camera, type: type),
                             printer: TailPrinter(format: format == .json ? .json : .text), logger: logger,
                             plates: (try PlateVault(settings.plates), settings.plates.publish))
        let task = Task { try await tail.run(since: since) }
        let trap = SignalTrap(signals: [SIGINT, SIGTERM]) { task.cancel() }
        defer { trap.cancel() }
        do {
            try await task.value
        } catch is CancellationError {
        } catch let error as RedisClientError {
            logger.critical("vigil tail cannot reach Redis", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

/// Turns SIGINT/SIGTERM into a callback (the default action, exiting at once, is switched off).
final class SignalTrap: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
