import Synchronization

/// A job from a work queue (`redis-queue://` camera sources). Its events travel through the
/// router as one group and are saved in one transaction together with the job's claim in
/// `vigil_queue_jobs` (keyed by the queue and the md5 of the job as taken from the list), so a
/// job processed twice — requeued after its host died — has its events saved once. The router
/// says what became of it exactly once, from the writer's thread (don't block there).
package final class QueueJob: Sendable {
    /// What the router did with a job's events.
    package enum Outcome: Sendable, Equatable {
        /// Saved (this many events), with the claim, in one transaction.
        case saved(Int)
        /// Already saved before (the claim exists); nothing was saved again.
        case alreadySaved
        /// PostgreSQL is unreachable now: nothing was saved (and nothing spooled); run the job again later.
        case notSaved(String)
        /// PostgreSQL or the router refused the events; retrying will not help.
        case rejected(String)
    }

    /// The list it was taken from.
    package let queue: String
    /// The job exactly as taken from the list (its identity).
    package let payload: String
    private let onOutcome: @Sendable (Outcome) -> Void
    private let finished = Mutex(false)

    package init(queue: String, payload: String, onOutcome: @escaping @Sendable (Outcome) -> Void) {
        self.queue = queue; self.payload = payload; self.onOutcome = onOutcome
    }

    /// Reports the outcome (only the first call counts).
    func finish(_ outcome: Outcome) {
        let first = finished.withLock { done in defer { done = true }; return !done }
        if first { onOutcome(outcome) }
    }
}
