import Foundation
import Logging
import PluginAPI
import ServiceLifecycle
import VigilConfig
import VigilPlugins
import VigilRouter

/// Every configured sink, each with its own runner (queue, workers, retries, dead-letter) and
/// PostgreSQL catch-up thread. The router hands it each batch it published.
package final class SinksService: Service, @unchecked Sendable {
    package let runners: [SinkRunner]
    private let catchUps: [SinkCatchUp]
    private let logger: Logger
    /// How long shutdown waits for the sinks' queues to empty (`SINK_DRAIN_SECONDS`, default 5).
    private let drainTime: Duration

    package init(runners: [SinkRunner], databaseURL: String, logger: Logger, stats: RouterStats, drainTime: Duration = .seconds(5)) {
        self.runners = runners
        self.logger = logger
        self.drainTime = drainTime
        catchUps = runners.map { SinkCatchUp(runner: $0, databaseURL: databaseURL, logger: logger, stats: stats) }
    }

    /// Creates a runner per sink in plugins.json whose library loaded and accepted its config;
    /// the others are logged and left out (the rest keep running).
    package static func make(config: HostConfig, plugins: PluginSet, settings: Settings, logger: Logger,
                     stats: RouterStats) -> [SinkRunner] {
        plugins.sinks.compactMap { plugin in
            do {
                let policy = try DeliveryPolicy.read(plugin.entry, in: config, environment: settings.environment)
                let sink = try plugins.makeSink(plugin, file: config.file, logger: logger)
                return SinkRunner(name: plugin.entry.name, sink: sink, policy: policy, logger: logger, stats: stats)
            } catch {
                logger.error("Sink not started", metadata: ["error": "\(error)"])
                return nil
            }
        }
    }

    /// Hands a published batch to every sink (never blocks).
    package func offer(_ events: [SavedEvent]) {
        guard !runners.isEmpty else { return }
        let stored = events.map(\.stored)
        runners.forEach { $0.offer(stored) }
    }

    package func run() async throws {
        catchUps.forEach { $0.start() }
        for r in runners {
            logger.info("Sink started", metadata: ["sink.name": "\(r.name)", "concurrency": "\(r.policy.concurrency)",
                        "max_attempts": "\(r.policy.maxAttempts)", "dead_letter": "\(r.policy.deadLetterPath)"])
        }
        let workers = Task { [runners] in
            await withTaskGroup(of: Void.self) { group in
                for r in runners { group.addTask { await r.runWorkers() } }
            }
        }
        try? await gracefulShutdown()
        // The router has saved and published everything by now (it stops before the sinks): give
        // the queues a moment to empty, then stop. A retry still waiting is cancelled; its event
        // stays after the sink's position and is delivered after the restart.
        let deadline = ContinuousClock.now + drainTime
        while ContinuousClock.now < deadline,
              runners.contains(where: { $0.disabled == nil && ($0.queue.depth > 0 || $0.queue.catchingUp) }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        runners.forEach { $0.queue.close() }
        workers.cancel()
        await workers.value
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
