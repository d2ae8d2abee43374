import PluginAPI

/// One event's delivery under the host's policy: attempt, and on `.retry` wait (the sink's
/// `Retry-After`, capped, or full-jitter backoff) and attempt again, up to `maxAttempts`. The one
/// retry loop of vigil: the sink runner uses it with real sleeps, PluginKit with a test clock.
package enum DeliveryAttempts {
    /// How an event's delivery ended.
    package enum Outcome: Sendable, Equatable {
        /// The sink delivered it, on attempt `attempts`.
        case delivered(attempts: Int)
        /// It goes to the dead-letter file: failed for good, or out of attempts.
        case gaveUp(attempts: Int, reason: String)
        /// The sink's destination is gone: dead-letter it and stop the sink.
        case disabled(attempts: Int, reason: String)
        /// Shut down while waiting to retry: nothing is settled, the event is sent again later.
        case interrupted(attempts: Int)
    }

    /// Delivers `event` to `sink`. `wait` sleeps before a retry and returns false to stop
    /// (shutdown); `onRetry` hears of each retry (attempt that failed, wait, reason).
    package static func run(_ event: StoredEvent, to sink: any Sink, policy: DeliveryPolicy,
                            wait: (Duration) async -> Bool,
                            onRetry: (Int, Duration, String) -> Void = { _, _, _ in }) async -> Outcome {
        var attempt = 1
        while true {
            switch await sink.deliver(event) {
            case .delivered:
                return .delivered(attempts: attempt)
            case .failed(let reason):
                return .gaveUp(attempts: attempt, reason: reason)
            case .disable(let reason):
                return .disabled(attempts: attempt, reason: reason)
            case .retry(let after, let reason):
                guard attempt < policy.maxAttempts else {
                    return .gaveUp(attempts: attempt, reason: "gave up after \(attempt) attempts: \(reason)")
                }
                let pause = policy.honoured(after) ?? policy.backoff(afterAttempt: attempt)
                onRetry(attempt, pause, reason)
                guard await wait(pause) else { return .interrupted(attempts: attempt) }
                attempt += 1
            @unknown default:
                return .gaveUp(attempts: attempt, reason: "the sink answered with a delivery result this vigil does not know")
            }
        }
    }
}
