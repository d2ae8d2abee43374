import Foundation
import Synchronization

/// The pool's queue: callers push requests, connection threads take them in batches (so
/// concurrent calls share writes: automatic pipelining). A blocking request travels alone.
///
/// The hot path avoids sleeping and waking threads: the requests sit under an inline `Mutex`
/// (it spins briefly before parking, so a caller and a connection thread meeting on it rarely
/// sleep), an idle connection thread first yields for a moment and then waits on its own
/// semaphore, a push wakes one idle thread (a woken thread takes everything queued meanwhile,
/// as one batch), and a busy connection tops up its pipeline without sleeping at all.
final class RequestQueue: Sendable {
    /// What `take` found.
    enum Take { case batch([RedisRequest]), timedOut, closed }

    /// One per connection thread: what wakes that thread when it waits idle in `take`.
    final class Waker: Sendable {
        fileprivate let semaphore = DispatchSemaphore(value: 0)
    }

    private struct State {
        var items: [RedisRequest] = []
        var head = 0
        var closed = false
        /// Threads asleep in `take`, and how many were woken and have not come back for work yet.
        var idle: [Waker] = []
        var onTheWay = 0
        /// Commands and blocking requests in `items[head...]`, so taking everything is one swap.
        var commands = 0
        var blocking = 0

        mutating func append(_ request: RedisRequest) {
            items.append(request)
            commands += request.commands.count
            if request.blockingSeconds != nil { blocking += 1 }
        }

        var isEmpty: Bool { head == items.count }

        /// An idle thread to wake, unless `maxOnTheWay` are on their way already.
        mutating func wakeOne() -> Waker? {
            guard onTheWay < RequestQueue.maxOnTheWay, let waker = idle.popLast() else { return nil }
            onTheWay += 1
            return waker
        }

        /// Up to `maxCommands` commands' worth from the head; a blocking request only alone
        /// (and never when `blockingAllowed` is false).
        mutating func takeBatch(maxCommands: Int, blockingAllowed: Bool) -> [RedisRequest] {
            if head == 0 && blocking == 0 && commands <= maxCommands {
                // The usual case under load: everything queued fits in one batch.
                defer { items = []; commands = 0 }
                return items
            }
            var batch: [RedisRequest] = []
            var commands = 0
            while head < items.count {
                let next = items[head]
                if next.blockingSeconds != nil && (!batch.isEmpty || !blockingAllowed) { break }
                if !batch.isEmpty && commands + next.commands.count > maxCommands { break }
                batch.append(next); commands += next.commands.count; head += 1
                self.commands -= next.commands.count
                if next.blockingSeconds != nil { self.blocking -= 1; break }
            }
            if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
            else if head > 4096 { items.removeFirst(head); head = 0 }
            return batch
        }
    }

    private let state = Mutex(State())
    /// Requests queued (changed under the lock, read without it while spinning).
    private let queued = Atomic<Int>(0)
    /// Backoff sleepers wait here, so a push never wakes one instead of a taker.
    private let sleepers = NSCondition()
    /// How long a connection thread that found the queue empty lets other threads run (the
    /// callers whose replies it just delivered usually queue their next request within
    /// microseconds) before it goes to sleep: a sleep and its wake-up cost more.
    private static let spinNanoseconds: UInt64 = 200_000
    /// At most this many woken threads on their way to the queue at once.
    fileprivate static let maxOnTheWay = 8

    /// Queues `request`; false once the queue is closed.
    func push(_ request: RedisRequest) -> Bool {
        let (accepted, waker) = state.withLock { state -> (Bool, Waker?) in
            guard !state.closed else { return (false, nil) }
            state.append(request)
            queued.add(1, ordering: .relaxed)
            return (true, state.wakeOne())
        }
        waker?.semaphore.signal()
        return accepted
    }

    /// Waits up to `timeout` seconds (nil: forever) for requests and takes up to `maxCommands`
    /// commands' worth; a blocking request is taken alone, ending a batch before it. `waker`
    /// is the calling thread's own.
    func take(maxCommands: Int, timeout: Double?, waker: Waker) -> Take {
        enum Step { case batch([RedisRequest], Waker?), closed, spin, sleep }
        let deadline = timeout.map { DispatchTime.now() + $0 }
        var spun = false
        while true {
            let step = state.withLock { state -> Step in
                if !state.isEmpty {
                    let batch = state.takeBatch(maxCommands: maxCommands, blockingAllowed: true)
                    queued.subtract(batch.count, ordering: .relaxed)
                    return .batch(batch, state.isEmpty ? nil : state.wakeOne())   // more work: wake another
                }
                if state.closed { return .closed }
                if !spun { return .spin }
                state.idle.append(waker)
                return .sleep
            }
            switch step {
            case .closed: return .closed
            case .batch(let batch, let other): other?.semaphore.signal(); return .batch(batch)
            case .spin: spun = true; spinBriefly()
            case .sleep:
                if let deadline, waker.semaphore.wait(timeout: deadline) == .timedOut {
                    // Still on the idle list: nobody woke us, the time is up. Otherwise a push
                    // took us off it and its signal is on its way: take that and look again.
                    let timedOut = state.withLock { state -> Bool in
                        guard let i = state.idle.firstIndex(where: { $0 === waker }) else { return false }
                        state.idle.remove(at: i)
                        return true
                    }
                    if timedOut { return isClosed ? .closed : .timedOut }
                    waker.semaphore.wait()
                } else if deadline == nil {
                    waker.semaphore.wait()
                }
                state.withLock { $0.onTheWay = max(0, $0.onTheWay - 1) }
            }
        }
    }

    /// Yields to other threads until something is queued or `spinNanoseconds` passed.
    private func spinBriefly() {
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            sched_yield()
        } while queued.load(ordering: .relaxed) == 0
            && DispatchTime.now().uptimeNanoseconds - start < Self.spinNanoseconds
    }

    /// What a busy connection may add behind the commands it already has in flight (up to
    /// `maxCommands`), without waiting, just before it waits for their replies; never a blocking
    /// request (that one waits for a connection of its own). Pushes still wake an idle
    /// connection too, so what a slow command holds up is at most what was queued at that instant.
    func topUp(maxCommands: Int) -> [RedisRequest] {
        guard maxCommands > 0 else { return [] }
        return state.withLock { state in
            guard !state.closed, !state.isEmpty else { return [] }
            let batch = state.takeBatch(maxCommands: maxCommands, blockingAllowed: false)
            queued.subtract(batch.count, ordering: .relaxed)
            return batch
        }
    }

    /// Sleeps up to `seconds`, returning early (true) when the queue is closed. For backoff waits.
    func sleep(seconds: Double) -> Bool {
        sleepers.lock(); defer { sleepers.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !isClosed { if !sleepers.wait(until: deadline) { break } }
        return isClosed
    }

    /// True once closed.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Closes the queue, wakes every thread and returns the requests that never started.
    func close() -> [RedisRequest] {
        let (left, wakers) = state.withLock { state -> ([RedisRequest], [Waker]) in
            state.closed = true
            let left = Array(state.items[state.head...])
            state.items = []; state.head = 0; state.commands = 0; state.blocking = 0
            queued.store(0, ordering: .relaxed)
            let wakers = state.idle
            state.idle = []
            state.onTheWay += wakers.count
            return (left, wakers)
        }
        wakers.forEach { $0.semaphore.signal() }
        sleepers.lock(); sleepers.broadcast(); sleepers.unlock()
        return left
    }
}
