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

    package init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds an item; with `.block` waits while full, with `.drop` refuses it. False when refused or closed.
    @discardableResult
    package func push(_ item: Element, policy: OverloadPolicy = .block) -> Bool {
        condition.lock(); defer { condition.unlock() }
        if items.count >= capacity { timesFull += 1 }
        while items.count >= capacity, !closed {
            if policy == .drop { return false }
            condition.wait()
        }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Takes up to `max` items, waiting for at least one (up to `timeout` seconds, forever if nil).
    /// Returns [] on timeout and nil once closed and empty.
    package func popBatch(max: Int, timeout: Double? = nil) -> [Element]? {
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
        let batch: [Element]
        if items.count <= max {
            batch = items
            items = []
            items.reserveCapacity(Swift.min(capacity, 4096))
        } else {
            batch = Array(items.prefix(max))
            items.removeFirst(max)
        }
        condition.broadcast()
        return batch
    }

    /// Items waiting.
    var count: Int { condition.lock(); defer { condition.unlock() }; return items.count }

    /// How many pushes so far found the queue full.
    var fullCount: Int { condition.lock(); defer { condition.unlock() }; return timesFull }

    /// Stops accepting items; the consumer still gets what is queued.
    package func close() {
        condition.lock(); closed = true; condition.broadcast(); condition.unlock()
    }
}
