import Foundation
import Logging

/// DURABLE_INTAKE=true: `submit` returns once its event is in a spool file and fsynced, so a crash
/// (kill -9, power) loses no accepted event. Submitting threads leave their events here; one thread
/// writes whatever gathered meanwhile and fsyncs once for all of them (group commit), wakes them,
/// then hands the events, each with its position in the file, to the writer's queue in file order.
/// The writer records those positions with the rows, so replay after a crash starts exactly where
/// PostgreSQL stopped; a file is deleted once PostgreSQL holds all of it. Files rotate at 8 MiB.
final class IntakeJournal: @unchecked Sendable {
    private let spool: Spool
    private let queue: BlockingQueue<NewEvent>
    private let logger: Logger
    /// Events waiting to be written, at most this many (then the overload policy applies).
    private let capacity: Int
    private let shutdownGrace: Double
    private let rotateBytes: Int
    private let condition = NSCondition()
    private var pending: [NewEvent] = []
    private var lines: [UInt8] = []
    private var lengths: [Int] = []
    /// Sequence numbers: `next` is the next event's, below `done` the fate of every event is known.
    private var next: UInt64 = 0, done: UInt64 = 0
    /// Events that could not be written (shutdown while the disk refused): their `submit` returns false.
    private var refused: [Range<UInt64>] = []
    private var closed = false
    private let finished = DispatchGroup()

    init(spool: Spool, queue: BlockingQueue<NewEvent>, logger: Logger, capacity: Int, shutdownGrace: Double,
         rotateBytes: Int = 8 << 20) {
        self.spool = spool; self.queue = queue; self.logger = logger; self.capacity = max(1, capacity)
        self.shutdownGrace = shutdownGrace; self.rotateBytes = rotateBytes
    }

    /// Starts the writing thread.
    func start() {
        finished.enter()
        let thread = Thread { [self] in run(); finished.leave() }
        thread.name = "vigil-intake"
        thread.start()
    }

    /// Journals an event; returns once it is fsynced (true) or refused (false: full and `.drop`, or stopping).
    func append(_ event: NewEvent, policy: OverloadPolicy) -> Bool {
        var line: [UInt8] = []
        SpoolLine.encode(event, into: &line)
        condition.lock(); defer { condition.unlock() }
        while pending.count >= capacity && !closed {
            if policy == .drop { return false }
            condition.wait()
        }
        guard !closed else { return false }
        let seq = next
        next += 1
        pending.append(event); lines.append(contentsOf: line); lengths.append(line.count)
        condition.broadcast()
        while done <= seq { condition.wait() }
        return !refused.contains { $0.contains(seq) }
    }

    /// Writes what is pending, then ends the thread; seals the last file.
    func close() {
        condition.lock(); closed = true; condition.broadcast(); condition.unlock()
        finished.wait()
    }

    private func run() {
        var failingSince: Date?
        var closedAt: Date?
        while true {
            condition.lock()
            while pending.isEmpty && !closed { condition.wait() }
            if pending.isEmpty { condition.unlock(); break }
            let events = pending, bytes = lines, sizes = lengths, first = done
            pending = []; lines = []; lengths = []
            condition.broadcast()
            condition.unlock()

            var written: (file: String, end: Int)?
            while written == nil {
                do {
                    written = try spool.append(bytes)
                } catch {
                    if failingSince == nil {
                        failingSince = Date()
                        logger.critical("Intake journal cannot be written; submits wait (or are dropped by the overload policy)",
                                        metadata: ["error": "\(error)", "spool.dir": "\(spool.directory)", "events.waiting": "\(events.count)"])
                    }
                    if isClosed { closedAt = closedAt ?? Date() }
                    if let closedAt, Date().timeIntervalSince(closedAt) >= shutdownGrace { break }
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
            if written != nil, let since = failingSince {
                failingSince = nil
                logger.info("Intake journal writable again", metadata: ["stuck_s": "\(Int(Date().timeIntervalSince(since)))"])
            }
            condition.lock()
            done = first + UInt64(events.count)
            if written == nil { refused.append(first..<done) }
            condition.broadcast()
            condition.unlock()
            guard let (file, end) = written else {
                logger.critical("Events not accepted: the intake journal could not be written at shutdown",
                                metadata: ["events.count": "\(events.count)"])
                continue
            }
            var offset = end - bytes.count
            for (event, size) in zip(events, sizes) {
                offset += size
                var e = event
                e.journal = JournalMark(file: file, end: offset)
                queue.push(e, policy: .block)
            }
            if end >= rotateBytes { spool.seal() }
        }
        spool.seal()
    }

    private var isClosed: Bool { condition.lock(); defer { condition.unlock() }; return closed }
}
