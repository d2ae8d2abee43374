import Foundation

/// One WebSocket client's mailbox: events the hub offers (already filtered) wait here until the
/// connection's writer takes them. Bounded in bytes: when a client falls that far behind it is
/// dropped (`overflowed`) rather than buffered without end or allowed to slow the hub, which
/// never waits for a client. While `since_id` history is being replayed the mailbox holds live
/// events back; `release(after:)` then drops those already replayed and lets the rest through.
/// After the hub lost its subscription and made a new one (`resync()`), the mailbox hands out
/// what it held from before, then `.resync`: the connection replays from PostgreSQL what was
/// published meanwhile, holding the new live events back the same way.
final class LiveClient: @unchecked Sendable {
    /// What `next()` hands out.
    enum Delivery {
        case event(LiveEvent)
        /// The hub resubscribed: replay from PostgreSQL after the last event sent, then `release(after:)`.
        case resync
    }

    let filter: LiveFilter
    /// The most bytes of events that may wait.
    let limitBytes: Int
    /// Called once, on the hub's thread, when the client overflows.
    private let onOverflow: @Sendable () -> Void

    private let lock = NSLock()
    private var queue: [LiveEvent] = []
    private var head = 0
    private var queuedBytes = 0
    private var peakBytes = 0
    private var holding: Bool
    private var skipThrough: Int64 = 0
    private var waiter: CheckedContinuation<Delivery?, Never>?
    /// A `.resync` is due once the events before index `resyncAt` of `queue` are taken.
    private var resyncPending = false
    private var resyncAt = 0
    private var finished = false
    private var didOverflow = false

    init(filter: LiveFilter, limitBytes: Int, onOverflow: @escaping @Sendable () -> Void = {}) {
        self.filter = filter; self.limitBytes = limitBytes; self.onOverflow = onOverflow
        holding = filter.sinceID != nil
    }

    /// True when the client was dropped for falling behind.
    var overflowed: Bool { lock.lock(); defer { lock.unlock() }; return didOverflow }
    /// True once `next()` returns nil for good (finished or overflowed).
    var isFinished: Bool { lock.lock(); defer { lock.unlock() }; return finished }
    /// The most bytes that ever waited at once.
    var peakQueuedBytes: Int { lock.lock(); defer { lock.unlock() }; return peakBytes }

    /// Hands over an event (the hub's thread). Never blocks on the client.
    func offer(_ event: LiveEvent) {
        guard filter.matches(event) else { return }
        lock.lock()
        guard !finished, event.id > skipThrough else { lock.unlock(); return }
        if !holding, let w = waiter {
            waiter = nil
            lock.unlock()
            w.resume(returning: .event(event))
            return
        }
        guard queuedBytes + event.bytes <= limitBytes else {
            finished = true; didOverflow = true
            queue = []; head = 0; queuedBytes = 0
            let w = waiter
            waiter = nil
            lock.unlock()
            w?.resume(returning: nil)
            onOverflow()
            return
        }
        queue.append(event)
        queuedBytes += event.bytes
        peakBytes = max(peakBytes, queuedBytes)
        lock.unlock()
    }

    /// Ends the hold after a replay (`since_id`, or after `.resync`): events with ids up to
    /// `lastReplayed` were sent from PostgreSQL already and are skipped, now and later.
    func release(after lastReplayed: Int64) {
        lock.lock()
        skipThrough = max(skipThrough, lastReplayed)
        var kept: [LiveEvent] = []
        for e in queue[head...] where e.id > skipThrough { kept.append(e) }
        queue = kept; head = 0; resyncAt = 0
        queuedBytes = kept.reduce(0) { $0 + $1.bytes }
        holding = resyncPending  // a resubscription during the replay: replay again before letting events through
        lock.unlock()
    }

    /// The hub made a new subscription after losing one (its thread, before it reads a message):
    /// events offered from now on are held; `next()` hands out those waiting, then `.resync`.
    func resync() {
        lock.lock()
        guard !finished else { lock.unlock(); return }
        holding = true
        resyncPending = true
        resyncAt = queue.count
        let w = head == resyncAt ? waiter : nil
        if w != nil { waiter = nil; resyncPending = false }
        lock.unlock()
        w?.resume(returning: .resync)
    }

    /// The next event (or `.resync`), waiting for one; nil once the client is finished or overflowed.
    func next() async -> Delivery? {
        await withCheckedContinuation { (c: CheckedContinuation<Delivery?, Never>) in
            lock.lock()
            if resyncPending, head == resyncAt, !finished {
                resyncPending = false
                lock.unlock()
                c.resume(returning: .resync)
            } else if head < queue.count {
                let e = queue[head]
                head += 1
                queuedBytes -= e.bytes
                if head > 256, head * 2 > queue.count {
                    queue.removeFirst(head); resyncAt = max(0, resyncAt - head); head = 0
                }
                lock.unlock()
                c.resume(returning: .event(e))
            } else if finished {
                lock.unlock()
                c.resume(returning: nil)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }

    /// Ends the client: a waiting `next()` returns nil, offers are ignored.
    func finish() {
        lock.lock()
        finished = true
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(returning: nil)
    }
}
