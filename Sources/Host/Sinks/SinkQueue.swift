import Foundation
import PluginAPI

/// A sink's bounded queue: producers (the publisher thread, the catch-up thread) never wait on the
/// sink, consumers are the sink's async delivery workers. It also tracks which events are settled
/// (delivered, dead-lettered or skipped), so the sink's position — every id at or below it is
/// settled — can be saved, and switches to catching up from PostgreSQL when it overflows.
package final class SinkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [StoredEvent] = []
    private var head = 0
    private var waiters: [CheckedContinuation<StoredEvent?, Never>] = []
    private var unsettled: Set<Int64> = []
    private var closed = false
    let capacity: Int
    /// Highest id taken in (queued, or settled at once when skipped); catch-up reads after it.
    private(set) var takenUpTo: Int64 = 0
    /// True while the queue reads from PostgreSQL instead of live events (at start and after overflow).
    private(set) var catchingUp = true
    /// Live events offered while catching up (they are read back from PostgreSQL).
    private var missedWhileCatchingUp = 0

    init(capacity: Int) { self.capacity = capacity }

    private func locked<R>(_ body: () -> R) -> R { condition.lock(); defer { condition.unlock() }; return body() }

    /// Starts from a saved position: everything at or below it is settled.
    package func start(at position: Int64) { locked { takenUpTo = position } }

    /// Offers live events (id order). Returns how many overflowed: the queue then catches up.
    @discardableResult
    func offer(_ events: [StoredEvent], wanted: [Bool]) -> Int {
        var wake: [(CheckedContinuation<StoredEvent?, Never>, StoredEvent)] = []
        let overflowed: Int = locked {
            if closed { return 0 }
            if catchingUp { missedWhileCatchingUp += events.count; return 0 }
            for (i, event) in events.enumerated() where event.id > takenUpTo {
                if !wanted[i] { takenUpTo = event.id; continue }
                if count >= capacity {
                    catchingUp = true
                    missedWhileCatchingUp += events.count - i
                    return events.count - i
                }
                takenUpTo = event.id
                if let w = enqueueLocked(event) { wake.append((w, event)) }
            }
            return 0
        }
        wake.forEach { $0.0.resume(returning: $0.1) }
        return overflowed
    }

    /// Adds an event read back from PostgreSQL, waiting for room; false once closed.
    func addCaughtUp(_ event: StoredEvent, wanted: Bool) -> Bool {
        condition.lock()
        while count >= capacity && !closed { condition.wait() }
        guard !closed else { condition.unlock(); return false }
        takenUpTo = max(takenUpTo, event.id)
        let waiter = wanted ? enqueueLocked(event) : nil
        condition.unlock()
        waiter?.resume(returning: event)
        return true
    }

    /// Ends the catch-up if no live event was missed since it last read; otherwise it reads again.
    package func finishCatchUp() -> Bool {
        locked {
            if missedWhileCatchingUp > 0 { missedWhileCatchingUp = 0; return false }
            catchingUp = false
            return true
        }
    }

    /// The next event for a worker; nil once closed.
    func next() async -> StoredEvent? {
        await withCheckedContinuation { (c: CheckedContinuation<StoredEvent?, Never>) in
            condition.lock()
            if head < items.count {
                let event = items[head]
                head += 1
                if head > 1024 && head * 2 > items.count { items.removeFirst(head); head = 0 }
                condition.broadcast()
                condition.unlock()
                c.resume(returning: event)
            } else if closed {
                condition.unlock()
                c.resume(returning: nil)
            } else {
                waiters.append(c)
                condition.unlock()
            }
        }
    }

    /// Marks an event done (delivered, dead-lettered, or given up for good).
    func settle(_ id: Int64) { locked { _ = unsettled.remove(id) } }

    /// Every id at or below this is settled: where the sink resumes after a restart.
    var position: Int64 { locked { unsettled.min().map { $0 - 1 } ?? takenUpTo } }

    /// Events queued and in flight.
    package var depth: Int { locked { unsettled.count } }

    /// Stops handing out events; waiting workers get nil. Unsettled events stay after the position.
    package func close() {
        let ws: [CheckedContinuation<StoredEvent?, Never>] = locked {
            closed = true
            condition.broadcast()
            defer { waiters = [] }
            return waiters
        }
        ws.forEach { $0.resume(returning: nil) }
    }

    var isClosed: Bool { locked { closed } }

    private var count: Int { items.count - head }

    /// Queues (or hands straight to a waiting worker) one event; call with the lock held.
    private func enqueueLocked(_ event: StoredEvent) -> CheckedContinuation<StoredEvent?, Never>? {
        unsettled.insert(event.id)
        if !waiters.isEmpty { return waiters.removeFirst() }
        items.append(event)
        return nil
    }
}
