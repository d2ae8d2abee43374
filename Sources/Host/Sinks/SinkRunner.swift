import Foundation
import Logging
import PluginAPI
import VigilRouter

/// Delivers the stored events to one sink instance. The host owns the policy (DeliveryPolicy):
/// a bounded queue, `concurrency` workers, retries with full-jitter exponential backoff or the
/// sink's own `Retry-After`, a dead-letter file for events that exhaust their attempts, and
/// disabling the sink when it says its destination is gone. Nothing here runs on the router's
/// threads, so a slow or dead sink never slows saving or publishing.
package final class SinkRunner: @unchecked Sendable {
    package let name: String
    let policy: DeliveryPolicy
    package let queue: SinkQueue
    private let sink: any Sink
    private let filter: (any FilteringSink)?
    private let deadLetter: DeadLetterFile
    private let logger: Logger
    private let stats: RouterStats
    private let lock = NSLock()
    private var disabledReason: String?
    private var overflowLogged = false

    package init(name: String, sink: any Sink, policy: DeliveryPolicy, logger: Logger, stats: RouterStats) {
        self.name = name; self.sink = sink; self.policy = policy; self.stats = stats
        filter = sink as? any FilteringSink
        queue = SinkQueue(capacity: policy.queueCapacity)
        deadLetter = DeadLetterFile(path: policy.deadLetterPath)
        var logger = logger
        logger[metadataKey: "sink.name"] = "\(name)"
        self.logger = logger
    }

    /// Whether the sink wants the event (its filter, if it has one).
    func wants(_ event: StoredEvent) -> Bool { filter?.wants(event) ?? true }

    /// Offers live events from the publisher; never blocks. An overflow switches to catching up.
    package func offer(_ events: [StoredEvent]) {
        let wanted = events.map(wants)
        stats.add("sink.\(name).skipped", wanted.lazy.filter { !$0 }.count)
        if queue.offer(events, wanted: wanted) > 0 {
            lock.lock(); let first = !overflowLogged; overflowLogged = true; lock.unlock()
            if first {
                logger.warning("Sink queue full; it will catch up from PostgreSQL",
                               metadata: ["queue.capacity": "\(policy.queueCapacity)"])
            }
        }
    }

    /// The reason the sink was disabled, if it was.
    package var disabled: String? { lock.lock(); defer { lock.unlock() }; return disabledReason }

    /// Runs `concurrency` workers until the queue is closed (or the task cancelled).
    package func runWorkers() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<policy.concurrency {
                group.addTask { [self] in
                    while let event = await queue.next() { await deliver(event) }
                }
            }
        }
    }

    /// Delivers one event with the retry policy. Returns without settling when shut down mid-retry,
    /// so the event is caught up after the restart.
    package func deliver(_ event: StoredEvent) async {
        var attempt = 1
        while true {
            switch await sink.deliver(event) {
            case .delivered:
                stats.add("sink.\(name).delivered")
                queue.settle(event.id)
                return
            case .failed(let reason):
                giveUp(event, attempts: attempt, reason: reason)
                return
            case .disable(let reason):
                disable(reason)
                giveUp(event, attempts: attempt, reason: reason)
                return
            case .retry(let after, let reason):
                guard attempt < policy.maxAttempts else {
                    giveUp(event, attempts: attempt, reason: "gave up after \(attempt) attempts: \(reason)")
                    return
                }
                let wait = policy.honoured(after) ?? policy.backoff(afterAttempt: attempt)
                stats.add("sink.\(name).retries")
                logger.debug("Delivery failed, retrying", metadata: ["event.id": "\(event.id)", "attempt": "\(attempt)",
                             "retry_in_ms": "\(Int(wait.inSeconds * 1000))",
                             "error": "\(reason)"])
                do { try await Task.sleep(for: wait) } catch { return }
                if queue.isClosed { return }
                attempt += 1
            @unknown default:
                giveUp(event, attempts: attempt, reason: "the sink answered with a delivery result this vigil does not know")
                return
            }
        }
    }

    /// Writes the event to the dead-letter file; if even that fails it stays unsettled (caught up later).
    private func giveUp(_ event: StoredEvent, attempts: Int, reason: String) {
        do {
            try deadLetter.append(.init(sink: name, eventID: event.id, attempts: attempts, reason: reason,
                                        failedAt: Timestamp(secondsSince1970: Date().timeIntervalSince1970), eventJSON: event.json))
            stats.add("sink.\(name).dead_lettered")
            queue.settle(event.id)
            logger.error("Event not delivered, written to the dead-letter file", metadata: [
                "event.id": "\(event.id)", "attempts": "\(attempts)", "error": "\(reason)", "dead_letter": "\(deadLetter.path)"])
        } catch {
            logger.critical("Dead-letter write failed; the event is delivered again after a restart",
                            metadata: ["event.id": "\(event.id)", "error": "\(error)"])
        }
    }

    /// Stops the sink for good (its destination is gone); its position stays, so a restart resumes.
    private func disable(_ reason: String) {
        lock.lock(); let first = disabledReason == nil; if first { disabledReason = reason }; lock.unlock()
        guard first else { return }
        stats.add("sink.\(name).disabled")
        logger.error("Sink disabled: its destination is gone; events are kept for it and sent after a restart",
                     metadata: ["error": "\(reason)"])
        queue.close()
    }

    /// Releases the sink's resources (after the workers ended).
    package func closeSink() async { await sink.close() }
}
