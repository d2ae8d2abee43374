import Foundation
import Logging
import PluginAPI
import VigilPostgres

/// Who gets every committed event besides Redis (the sinks): in id order, whether or not Redis is up.
package protocol SavedEventsObserver: AnyObject, Sendable {
    /// Events just committed, in id order.
    func saved(_ events: [SavedEvent])
    /// Rows were committed that `saved` did not see (a COMMIT whose answer was lost): read them back from PostgreSQL.
    func missed()
}

/// The event router: save to PostgreSQL → publish to Redis, and hand to the sinks.
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
        /// Sinks whose position must exist before the first event is saved (`vigil_sink_position`):
        /// a sink seen for the first time starts at the table's end as it was before this run's events.
        package var sinkNames: [String] = []
        /// DURABLE_INTAKE: `submit` returns once the event is fsynced in the spool, so a crash loses none.
        package var durableIntake = false
        /// How long PostgreSQL may take to connect and to answer.
        package var timeouts: PostgresTimeouts = .standard
        /// At shutdown, how long to keep trying to place events neither PostgreSQL nor the spool takes.
        package var shutdownGrace: Double = 5

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
    private let journal: IntakeJournal?
    private let writer: EventWriter
    private let publisher: Publisher
    private let writerDone = DispatchGroup()
    private let publisherDone = DispatchGroup()
    private let overloadLogged = NSLock()
    private var overloadReported = false

    /// `database`: the door shared with the rest of vigil (one is made from the options when nil).
    package init(options: Options, logger: Logger, stats: RouterStats = RouterStats(), database: Database? = nil,
                 observer: (any SavedEventsObserver)? = nil) throws {
        self.options = options
        self.stats = stats
        self.logger = logger
        let database = database ?? Database(url: options.databaseURL, timeouts: options.timeouts)
        queue = BlockingQueue(capacity: options.queueCapacity, maxWeight: 32 << 20) { $0.dataJSON.count + 256 }
        let spool = try Spool(directory: options.spoolDirectory, plates: database.plates)
        let publisher = Publisher(options: options.publish, database: database, logger: logger, stats: stats)
        self.publisher = publisher
        journal = options.durableIntake
            ? IntakeJournal(spool: spool, queue: queue, logger: logger, capacity: options.queueCapacity,
                            shutdownGrace: options.shutdownGrace)
            : nil
        let channel = options.publish.channel, sinks = options.sinkNames
        let connection = Reconnector(database: database, role: "writer", logger: logger, background: true) {
            try EventStore.prepare($0, channel: channel, sinks: sinks)
        }
        writer = EventWriter(queue: queue, spool: spool, connection: connection, logger: logger, stats: stats,
                             durable: options.durableIntake, shutdownGrace: options.shutdownGrace,
                             writerID: UUID().uuidString.lowercased(),
                             handOn: { saved in publisher.submit(saved); observer?.saved(saved) },
                             missed: { publisher.requestCatchUp(); observer?.missed() })
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

    /// Queues an event for saving (with DURABLE_INTAKE: journals it first). Returns false when it is
    /// refused (invalid, or dropped by policy).
    @discardableResult
    package func submit(_ event: NewEvent) -> Bool {
        if let problem = event.validate() {
            stats.add(.rejected)
            logger.error("Event rejected", metadata: ["camera.id": "\(event.cameraID)", "error": "\(problem)"])
            return false
        }
        let accepted = journal?.append(event, policy: options.overload) ?? queue.push(event, policy: options.overload)
        if !accepted { stats.add(.dropped) }
        if !accepted || options.overload == .block { reportOverloadOnce() }
        return accepted
    }

    /// Queues a work-queue job's events as one group: saved in one transaction with the job's claim,
    /// never split across batches, never spooled (see `QueueJob`). Events the table cannot take are
    /// refused alone, as in `submit(_:)`; when none is left the job is reported rejected.
    package func submit(_ events: [NewEvent], job: QueueJob) {
        let valid = events.filter { event in
            guard let problem = event.validate() else { return true }
            stats.add(.rejected)
            logger.error("Event rejected", metadata: ["camera.id": "\(event.cameraID)", "error": "\(problem)"])
            return false
        }
        guard !valid.isEmpty else { return job.finish(.rejected("every event of the job was refused")) }
        let tagged = valid.map { event -> NewEvent in var e = event; e.job = job; return e }
        if !queue.push(contentsOf: tagged, policy: options.overload) {
            stats.add(.dropped, tagged.count)
            job.finish(.notSaved("the router's queue is full or closed"))
        }
        reportOverloadOnce()
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

    /// Saves and publishes everything queued, then stops the threads (journal, writer, publisher).
    /// Bounded: events that neither PostgreSQL nor the spool takes within `shutdownGrace` are counted as lost.
    package func shutdown() {
        journal?.close()
        queue.close()
        writerDone.wait()
        publisher.close()
        publisherDone.wait()
    }
}
