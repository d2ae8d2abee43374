import Foundation

/// The pool's queue: callers push requests, connection threads take them in batches (so
/// concurrent calls share writes: automatic pipelining). A blocking request travels alone.
final class RequestQueue: @unchecked Sendable {
    /// What `take` found.
    enum Take { case batch([RedisRequest]), timedOut, closed }

    private let condition = NSCondition()
    /// Backoff sleepers wait here, apart from `condition`, so a push never wakes one instead of a taker.
    private let sleepers = NSCondition()
    private var items: [RedisRequest] = []
    private var head = 0
    private var closed = false
    /// Connection threads waiting in `take`: a push only signals when one waits, and signals
    /// after unlocking, so the woken thread does not block at once on the lock the pusher holds.
    private var waiting = 0

    /// Queues `request`; false once the queue is closed.
    func push(_ request: RedisRequest) -> Bool {
        condition.lock()
        guard !closed else { condition.unlock(); return false }
        items.append(request)
        let wake = waiting > 0
        condition.unlock()
        if wake { condition.signal() }
        return true
    }

    /// Waits up to `timeout` seconds (nil: forever) for requests and takes up to `maxCommands`
    /// commands' worth; a blocking request is taken alone, ending a batch before it.
    func take(maxCommands: Int, timeout: Double?) -> Take {
        condition.lock()
        var wakeAnother = false
        defer {
            condition.unlock()
            if wakeAnother { condition.signal() }   // more work: wake another connection
        }
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        while head == items.count && !closed {
            waiting += 1
            let signalled = deadline.map { condition.wait(until: $0) } ?? { condition.wait(); return true }()
            waiting -= 1
            if !signalled && head == items.count { return closed ? .closed : .timedOut }
        }
        if head == items.count { return .closed }
        var batch: [RedisRequest] = []
        var commands = 0
        while head < items.count {
            let next = items[head]
            if next.blockingSeconds != nil && !batch.isEmpty { break }
            if !batch.isEmpty && commands + next.commands.count > maxCommands { break }
            batch.append(next); commands += next.commands.count; head += 1
            if next.blockingSeconds != nil { break }
        }
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        else if head > 4096 { items.removeFirst(head); head = 0 }
        wakeAnother = head < items.count && waiting > 0
        return .batch(batch)
    }

    /// Sleeps up to `seconds`, returning early (true) when the queue is closed. For backoff waits.
    func sleep(seconds: Double) -> Bool {
        sleepers.lock(); defer { sleepers.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !isClosed { if !sleepers.wait(until: deadline) { break } }
        return isClosed
    }

    /// True once closed.
    var isClosed: Bool { condition.lock(); defer { condition.unlock() }; return closed }

    /// Closes the queue, wakes every thread and returns the requests that never started.
    func close() -> [RedisRequest] {
        condition.lock()
        closed = true
        let left = Array(items[head...])
        items = []; head = 0
        condition.broadcast()
        condition.unlock()
        sleepers.lock(); sleepers.broadcast(); sleepers.unlock()
        return left
    }
}
