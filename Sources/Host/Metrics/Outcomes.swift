/// What happened to events in the router: the `outcome` label of `vigil_events_total`.
package enum EventOutcome: String, CaseIterable, Sendable {
    /// Committed to PostgreSQL (directly or replayed from the spool).
    case saved
    /// Published on Redis (Redis accepted every command for it).
    case published
    /// Written to the spool while PostgreSQL was unreachable.
    case spooled
    /// Refused at `submit` by `OVERLOAD_POLICY=drop` (or because vigil was stopping).
    case dropped
    /// Refused as invalid, or by PostgreSQL (kept in rejected.jsonl).
    case rejected
    /// Saved from the spool after an outage (also counted as saved).
    case replayed
    /// Not published after an outage because older than `PUBLISH_MAX_AGE_SECONDS`.
    case skipped
    /// Dropped by a camera's `max_events_per_second`.
    case rateLimited = "rate_limited"
    /// Accepted but kept nowhere: PostgreSQL, the spool and rejected.jsonl all failed (logged as critical).
    case lost
}

/// What happened to events in one sink: `vigil_sink_events_total{sink, outcome}`, except `retries`
/// (`vigil_sink_retries_total{sink}`).
package enum SinkOutcome: String, CaseIterable, Sendable {
    case delivered
    case retries
    case deadLettered = "dead_lettered"
    /// Not wanted by the sink's filter.
    case skipped
    case caughtUp = "caught_up"
    /// Read back after an outage but older than the sink's `max_catch_up_age_s`.
    case skippedOld = "skipped_old"
    case disabled
}
