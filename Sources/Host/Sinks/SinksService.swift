import Foundation
import Logging
import PluginAPI
import ServiceLifecycle

/// Every configured sink, each with its own runner (queue, workers, retries, dead-letter) and
/// PostgreSQL catch-up thread. The router hands it each batch it published.
final class SinksService: Service, @unchecked Sendable {
    let runners: [SinkRunner]
    private let catchUps: [SinkCatchUp]
    private let logger: Logger

    init(runners: [SinkRunner], databaseURL: String, logger: Logger, stats: RouterStats) {
        self.runners = runners
        self.logger = logger
        catchUps = runners.map { SinkCatchUp(runner: $0, databaseURL: databaseURL, logger: logger, stats: stats) }
    }

    /// Creates a runner per sink in plugins.json whose library loaded and accepted its config;
    /// the others are logged and left out (the rest keep running).
    static func make(config: HostConfig, plugins: PluginSet, settings: Settings, logger: Logger,
                     stats: RouterStats) -> [SinkRunner] {
        let baseDir = URL(fileURLWithPath: config.file).deletingLastPathComponent().path
        return plugins.sinks.compactMap { plugin in
            do {
                let policy = try DeliveryPolicy.read(plugin.entry, file: config.file, baseDir: baseDir,
                                                     environment: settings.environment)
                let sink = try plugins.makeSink(plugin, file: config.file, logger: logger)
                return SinkRunner(name: plugin.entry.name, sink: sink, policy: policy, logger: logger, stats: stats)
            } catch {
                logger.error("Sink not started", metadata: ["error": "\(error)"])
                return nil
            }
        }
    }

    /// Hands a published batch to every sink (never blocks).
    func offer(_ events: [SavedEvent]) {
        guard !runners.isEmpty else { return }
        let stored = events.map(\.stored)
        runners.forEach { $0.offer(stored) }
    }

    func run() async throws {
        catchUps.forEach { $0.start() }
        for r in runners {
            logger.info("Sink started", metadata: ["sink.name": "\(r.name)", "concurrency": "\(r.policy.concurrency)",
                        "max_attempts": "\(r.policy.maxAttempts)", "dead_letter": "\(r.policy.deadLetterPath)"])
        }
        // On shutdown: no new events, and a retry that is waiting is cancelled (its event stays after
        // the sink's position and is delivered after the restart); a request in flight finishes.
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { [runners] in
                await withTaskGroup(of: Void.self) { group in
                    for r in runners { group.addTask { await r.runWorkers() } }
                }
            }
            try? await gracefulShutdown()  // every sink may have ended early (none, or all disabled)
        } onGracefulShutdown: { [runners] in
            runners.forEach { $0.queue.close() }
        }
        await stopCatchUps()
        for r in runners { await r.closeSink() }
    }

    /// Saves every position one last time (blocking work, off the cooperative pool).
    private func stopCatchUps() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread { [catchUps] in catchUps.forEach { $0.stop() }; c.resume() }.start()
        }
    }
}
