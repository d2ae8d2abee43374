import Foundation
import Logging

/// DURABLE_INTAKE=true: `submit` returns once its event is in a spool file and fsynced, so a crash
/// (kill -9, power) loses no accepted event. Group commit with a leader: a submitting thread that
/// finds no write under way takes every event gathered so far, writes them and fsyncs once for
/// all, hands them (each with its position in the file) to the writer's queue in file order, and
/// wakes the others; events arriving meanwhile go in the next group. The writer records those
/// positions with the rows, so replay after a crash starts exactly where PostgreSQL stopped; a
/// file is deleted once PostgreSQL holds all of it. Files rotate at 8 MiB.
final class IntakeJournal: @unchecked Sendable {
    private let spool: Spool
    private let queue: BlockingQueue<NewEvent>
    private let logger: Logger
    /// Events waiting for the next group, at most this many (then the overload policy applies).
    private let capacity: Int
    private let shutdownGrace: Double
    private let rotateBytes: Int
    private let condition = NSCondition()
    private var pending: [NewEvent] = []
    private var lines: [UInt8] = []
    private var lengths: [Int] = []
    /// Sequence numbers: `next` is the next event's; below `done` the fate of every event is known.
    private var next: UInt64 = 0, done: UInt64 = 0
    /// Events that could not be written (stopping while the disk refused): their `submit` returns false.
    private var refused: [Range<UInt64>] = []
    private var leading = false
    private var closed = false
    private var failingSince: Date?

    init(spool: Spool, queue: BlockingQueue<NewEvent>, logger: Logger, capacity: Int, shutdownGrace: Double,
         rotateBytes: Int = 8 << 20) {
        self.spool = spool; self.queue = queue; self.logger = logger; self.capacity = max(1, capacity)
        self.shutdownGrace = shutdownGrace; self.rotateBytes = rotateBytes
    }

    /// Journals an event; returns once it is fsynced (true) or refused (false: full and `.drop`, or stopping).
    func append(_ event: NewEvent, policy: OverloadPolicy) -> Bool {
        var line: [UInt8] = []
        SpoolLine.encode(event, plates: spool.plates, into: &line)
        condition.lock(); defer { condition.unlock() }
        while pending.count >= capacity && !closed {
            if policy == .drop { return false }
            condition.wait()
        }
        guard !closed else { return false }
        let seq = next
        next += 1
        pending.append(event); lines.append(contentsOf: line); lengths.append(line.count)
        while done <= seq {
            if leading { condition.wait(); continue }
            leading = true
            let (events, bytes, sizes, first) = (pending, lines, lengths, done)
            pending = []; lines = []; lengths = []
            condition.broadcast()   // room for the next group
            condition.unlock()
            let written = write(bytes, count: events.count)
            if let (file, end) = written { handOn(events, sizes, file: file, end: end) }
            condition.lock()
            done = first + UInt64(events.count)
            if written == nil { refused.append(first..<done) }
            leading = false
            condition.broadcast()
        }
        return !refused.contains { $0.contains(seq) }
    }

    /// Stops accepting events, waits for the groups under way, and seals the last file.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while done < next { condition.wait() }
        condition.unlock()
        spool.seal()
    }

    /// Writes a group, retrying while the disk refuses (every 0.2 s; logged once); gives up only
    /// when stopping, after `shutdownGrace`. The leader's lock is not held.
    private func write(_ bytes: [UInt8], count: Int) -> (file: String, end: Int)? {
        var closedAt: Date?
        while true {
            do {
                let written = try spool.append(bytes)
                if let since = failingSince {
                    failingSince = nil
                    logger.info("Intake journal writable again", metadata: ["stuck_s": "\(Int(Date().timeIntervalSince(since)))"])
                }
                return written
            } catch {
                if failingSince == nil {
                    failingSince = Date()
                    logger.critical("Intake journal cannot be written; submits wait (or are dropped by the overload policy)",
                                    metadata: ["error": "\(error)", "spool.dir": "\(spool.directory)", "events.waiting": "\(count)"])
                }
                if isClosed { closedAt = closedAt ?? Date() }
                if let closedAt, Date().timeIntervalSince(closedAt) >= shutdownGrace {
                    logger.critical("Events not accepted: the intake journal could not be written at shutdown",
                                    metadata: ["events.count": "\(count)"])
                    return nil
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// Passes a written group to the writer in file order, each event with the end of its line.
    private func handOn(_ events: [NewEvent], _ sizes: [Int], file: String, end: Int) {
        var offset = end - sizes.reduce(0, +)
        for (event, size) in zip(events, sizes) {
            offset += size
            var e = event
            e.journal = JournalMark(file: file, end: offset)
            queue.push(e, policy: .block)
        }
        if end >= rotateBytes { spool.seal() }
    }

    private var isClosed: Bool { condition.lock(); defer { condition.unlock() }; return closed }
}
