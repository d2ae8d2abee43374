/// What process isolation did to one plugin instance, for the status page and /metrics.
package struct IsolationCounters: Sendable, Equatable {
    /// Times the instance was started again in a new worker.
    package var restarts = 0
    /// Worker deaths while the instance was open: signals, exits, memory-limit failures.
    package var crashes = 0
    /// Workers killed because they did not answer in time.
    package var hangs = 0
    /// Frames not given to the detector because its worker was down, restarting or disabled.
    package var skippedFrames = 0
    /// True once the plugin was disabled after too many failures.
    package var disabled = false
    /// The current worker's process id (nil while none runs).
    package var pid: Int32?

    package init() {}
}

/// A plugin instance running in a worker process (the status page and /metrics ask for this).
package protocol IsolationReporting: AnyObject {
    /// A consistent reading of the instance's counters.
    var isolationCounters: IsolationCounters { get }
}
