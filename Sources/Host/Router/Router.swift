import Foundation
import Logging
import PluginAPI

/// The event router: save to PostgreSQL → publish to Redis → hand to sinks.
/// Cameras call `submit` from their own threads; saving and publishing each run on their own thread.
package final class Router: @unchecked Sendable {
    package struct Options: Sendable {
        var databaseURL: String
        var publish: PublishOptions
        var spoolDirectory: String
        /// Events held in memory before the writer takes them.
        var queueCapacity: Int
        /// What `submit` does when the queue is full.
        var overload: OverloadPolicy

        package init(databaseURL: String, publish: PublishOptions, spoolDirectory: String, queueCapacity: Int = 100_000,
                     overload: OverloadPolicy = .block) {
            self.databaseURL = databaseURL; self.publish = publish; self.spoolDirectory = spoolDirectory
            self.queueCapacity = queueCapacity; self.overload = overload
        }
    }

    package let stats: RouterStats
    private let options: Options
    private let logger: Logger
    private let queue: BlockingQueue<NewEvent>
    private let writer: EventWriter
    private let publisher: Publisher
    private let writerDone = DispatchGroup()
    private let publisherDone = DispatchGroup()
    private let overloadLogged = NSLock()
    private var overloadReported = false

    package init(options: Options, logger: Logger, stats: RouterStats = RouterStats(),
         onPublished: @escaping @Sendable ([SavedEvent]) -> Void = { _ in }) throws {
        self.options = options
        self.stats = stats
        self.logger = logger
        queue = BlockingQueue(capacity: options.queueCapacity)
        publisher = Publisher(options: options.publish, databaseURL: options.databaseURL, logger: logger,
                              stats: stats, onPublished: onPublished)
        writer = EventWriter(databaseURL: options.databaseURL, channel: options.publish.channel, queue: queue,
                             spool: try Spool(directory: options.spoolDirectory),
                             publisher: publisher, logger: logger, stats: stats)
    }

    /// Starts the writer and publisher threads.
    package func start() {
        Self.spawn("vigil-writer", writer.run, writerDone)
        Self.spawn("vigil-publisher", publisher.run, publisherDone)
    }

    private static func spawn(_ name: String, _ body: @escaping @Sendable () -> Void, _ group: DispatchGroup) {
        group.enter()
        let thread = Thread { body(); group.leave() }
        thread.name = name
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// Queues an event for saving. Returns false when it is refused (invalid, or dropped by policy).
    @discardableResult
    package func submit(_ event: NewEvent) -> Bool {
        if let problem = event.validate() {
            stats.add("rejected")
            logger.error("Event rejected", metadata: ["camera.id": "\(event.cameraID)", "error": "\(problem)"])
            return false
        }
        let accepted = queue.push(event, policy: options.overload)
        if !accepted { stats.add("dropped") }
        if !accepted || options.overload == .block { reportOverloadOnce() }
        return accepted
    }

    /// Logs, once, that the queue filled up (and what the policy does about it).
    private func reportOverloadOnce() {
        guard queue.fullCount > 0 else { return }
        overloadLogged.lock(); defer { overloadLogged.unlock() }
        guard !overloadReported else { return }
        overloadReported = true
        logger.warning("Event queue full", metadata: ["policy": "\(options.overload.rawValue)",
                                                      "queue.capacity": "\(queue.capacity)"])
    }

    /// Events waiting in memory.
    package var queued: Int { queue.count }

    /// Saves and publishes everything queued, then stops the threads (writer first, then publisher).
    package func shutdown() {
        queue.close()
        writerDone.wait()
        publisher.close()
        publisherDone.wait()
    }
}
