import Foundation

/// What to do when a bounded queue is full.
package enum OverloadPolicy: String, Sendable {
    /// The producer (a camera loop) waits for room: nothing is dropped.
    case block
    /// The new item is dropped and counted.
    case drop
}

/// A bounded many-producers, one-consumer queue with blocking batch pops. Nothing in it uses
/// timers: a consumer wakes as soon as one item arrives and takes everything queued.
package final class BlockingQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    /// Most items held at once.
    let capacity: Int
    /// Pushes that found the queue full (and waited or were dropped).
    private(set) var timesFull = 0
    /// A batch holds items up to this total weight (at least one item).
    private let maxWeight: Int
    private let weigh: ((Element) -> Int)?

    /// `weigh` and `maxWeight` bound a batch by size (e.g. bytes), besides `popBatch`'s count.
    package init(capacity: Int, maxWeight: Int = .max, weigh: ((Element) -> Int)? = nil) {
        self.capacity = max(1, capacity)
        self.maxWeight = maxWeight
        self.weigh = weigh
    }

    /// Adds an item; with `.block` waits while full, with `.drop` refuses it. False when refused or closed.
    @discardableResult
    package func push(_ item: Element, policy: OverloadPolicy = .block) -> Bool {
        add(policy) { items.append(item) }
    }

    /// Adds `items` next to each other (no other push lands between them), waiting for room like
    /// `push` (then all of them go in, even past the capacity). False when refused or closed.
    @discardableResult
    package func push(contentsOf newItems: [Element], policy: OverloadPolicy = .block) -> Bool {
        add(policy) { items.append(contentsOf: newItems) }
    }

    /// Waits for room (or refuses, by `policy`), then runs `append` under the lock and wakes the takers.
    private func add(_ policy: OverloadPolicy, _ append: () -> Void) -> Bool {
        condition.lock(); defer { condition.unlock() }
        if items.count >= capacity { timesFull += 1 }
        while items.count >= capacity, !closed {
            if policy == .drop { return false }
            condition.wait()
        }
        guard !closed else { return false }
        append()
        condition.broadcast()
        return true
    }

    /// Takes up to `max` items, waiting for at least one (up to `timeout` seconds, forever if nil).
    /// Returns [] on timeout and nil once closed and empty. With `together`, a batch cut at `max`
    /// grows past it while the next item belongs with the last one taken (a job's events).
    package func popBatch(max: Int, timeout: Double? = nil, together: ((Element, Element) -> Bool)? = nil) -> [Element]? {
        condition.lock(); defer { condition.unlock() }
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        while items.isEmpty {
            if closed { return nil }
            if let deadline {
                if !condition.wait(until: deadline) && items.isEmpty { return closed ? nil : [] }
            } else {
                condition.wait()
            }
        }
        var max = max
        if let weigh {
            var total = 0, n = 0
            while n < Swift.min(max, items.count) {
                total += weigh(items[n])
                if n > 0 && total > maxWeight { break }
                n += 1
            }
            max = n
        }
        let batch: [Element]
        if items.count <= max {
            batch = items
            items = []
            items.reserveCapacity(Swift.min(capacity, 4096))
        } else {
            var take = max
            if let together { while take < items.count, together(items[take - 1], items[take]) { take += 1 } }
            batch = Array(items.prefix(take))
            items.removeFirst(take)
        }
        condition.broadcast()
        return batch
    }

    /// Items waiting.
    var count: Int { condition.lock(); defer { condition.unlock() }; return items.count }

    /// How many pushes so far found the queue full.
    var fullCount: Int { condition.lock(); defer { condition.unlock() }; return timesFull }

    /// True once `close` was called.
    var isClosed: Bool { condition.lock(); defer { condition.unlock() }; return closed }

    /// Stops accepting items; the consumer still gets what is queued.
    package func close() {
        condition.lock(); closed = true; condition.broadcast(); condition.unlock()
    }
}
