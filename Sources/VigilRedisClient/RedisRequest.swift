import Foundation
import VigilRedis

/// One caller's commands, waiting in the pool's queue, then written and answered on one
/// connection's thread. Completes exactly once: with the replies, an error, or a cancellation.
final class RedisRequest: @unchecked Sendable {
    /// The commands, sent back to back on one connection (a pipeline of one or more).
    let commands: [[String]]
    /// Seconds the server may hold the reply (BLPOP/BLMOVE); nil for ordinary commands.
    let blockingSeconds: Double?

    private enum State { case queued, running(RedisConnection), done }
    private let lock = NSLock()
    private var state = State.queued
    private var cancelled = false
    private var continuation: UnsafeContinuation<[RedisReply], Error>?
    private var early: Result<[RedisReply], Error>?

    init(_ commands: [[String]], blockingSeconds: Double? = nil) {
        self.commands = commands; self.blockingSeconds = blockingSeconds
    }

    /// For log lines and errors: the first command's name.
    var name: String { commands.first?.first ?? "command" }

    /// Hands over the waiting caller; resumes it at once if the request already ended.
    func attach(_ continuation: UnsafeContinuation<[RedisReply], Error>) {
        lock.lock()
        if let early { lock.unlock(); continuation.resume(with: early); return }
        self.continuation = continuation
        lock.unlock()
    }

    /// Marks the request as running on `connection`; false when it was cancelled or ended meanwhile.
    func start(on connection: RedisConnection) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard case .queued = state else { return false }
        state = .running(connection)
        return true
    }

    /// Ends the request (only the first call counts).
    func complete(_ result: Result<[RedisReply], Error>) {
        lock.lock()
        if case .done = state { lock.unlock(); return }
        state = .done
        let result = cancelled ? .failure(CancellationError()) : result
        guard let continuation else { early = result; lock.unlock(); return }
        self.continuation = nil
        lock.unlock()
        continuation.resume(with: result)
    }

    /// The caller's task was cancelled: a queued request ends now; a running blocking one is
    /// woken by shutting its connection (which then reconnects); a running ordinary one finishes.
    func cancel() {
        lock.lock()
        cancelled = true
        let state = self.state
        lock.unlock()
        switch state {
        case .queued: complete(.failure(CancellationError()))
        case .running(let connection): if blockingSeconds != nil { connection.interrupt() }
        case .done: break
        }
    }
}
