import Foundation

/// A thread of its own that works through queued frames, so reading plates never holds up the
/// camera. At most `capacity` frames wait; a new frame beyond that replaces the oldest waiting one
/// (counted in `dropped`). `finish()` lets the queue drain and the thread end.
final class ReaderThread<Job: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var closed = false
    private var droppedCount = 0
    private let capacity: Int
    private let done = DispatchSemaphore(value: 0)

    /// Starts the thread; `work` runs on it, one job at a time, in order.
    init(name: String, capacity: Int, work: @escaping @Sendable (Job) -> Void) {
        self.capacity = max(capacity, 1)
        let thread = Thread { [self] in
            while let job = next() { work(job) }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Frames dropped because the queue was full.
    var dropped: Int { condition.lock(); defer { condition.unlock() }; return droppedCount }

    /// Queues a job; returns false when an older waiting job had to be dropped for it.
    @discardableResult
    func submit(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        var kept = true
        if jobs.count >= capacity { jobs.removeFirst(); droppedCount += 1; kept = false }
        jobs.append(job)
        condition.signal()
        return kept
    }

    /// Stops taking jobs, waits until the queued ones are done and the thread has ended.
    func finish() {
        condition.lock()
        let first = !closed
        closed = true
        condition.broadcast()
        condition.unlock()
        if first { done.wait() }
    }

    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !closed { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }
}
