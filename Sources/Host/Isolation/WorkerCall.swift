import Dispatch
import Foundation

/// A request to a worker waiting for its reply, from a thread (`wait`) or a task (`value`).
/// Resolved once: by the reply, by its deadline, or by the worker's death.
final class WorkerCall: @unchecked Sendable {
    let deadline: UInt64
    /// The camera and frame it concerns, for the log when it hangs.
    let note: String?
    private let lock = NSLock()
    private var result: Result<WireMessage, WireError>?
    private var continuation: CheckedContinuation<Result<WireMessage, WireError>, Never>?
    private let done = DispatchSemaphore(value: 0)

    init(timeout: Double, note: String?) {
        deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9); self.note = note
    }

    func resolve(_ r: Result<WireMessage, WireError>) {
        lock.lock()
        guard result == nil else { lock.unlock(); return }
        result = r
        let c = continuation
        continuation = nil
        lock.unlock()
        done.signal()
        c?.resume(returning: r)
    }

    func wait() -> Result<WireMessage, WireError> {
        done.wait()
        done.signal()
        lock.lock(); defer { lock.unlock() }
        return result!
    }

    func value() async -> Result<WireMessage, WireError> {
        await withCheckedContinuation { c in
            lock.lock()
            if let r = result { lock.unlock(); c.resume(returning: r); return }
            continuation = c
            lock.unlock()
        }
    }
}
