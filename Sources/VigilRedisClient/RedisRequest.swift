import Synchronization
import VigilRedis

/// One caller's commands, waiting in the pool's queue, then written and answered on one
/// connection's thread. Completes exactly once: with the replies, an error, or a cancellation.
final class RedisRequest: @unchecked Sendable {
    /// The commands, sent back to back on one connection (a pipeline of one or more).
    let commands: [[String]]
    /// Seconds the server may hold the reply (BLPOP/BLMOVE); nil for ordinary commands.
    let blockingSeconds: Double?

    private enum Phase { case queued, running(RedisConnection), done }
    private struct State {
        var phase = Phase.queued
        var cancelled = false
        var continuation: UnsafeContinuation<[RedisReply], Error>?
        var early: Result<[RedisReply], Error>?
    }
    /// Inline (no lock object of its own to allocate per request).
    private let state = Mutex(State())

    init(_ commands: [[String]], blockingSeconds: Double? = nil) {
        self.commands = commands; self.blockingSeconds = blockingSeconds
    }

    /// For log lines and errors: the first command's name.
    var name: String { commands.first?.first ?? "command" }

    /// Hands over the waiting caller; resumes it at once if the request already ended.
    func attach(_ continuation: UnsafeContinuation<[RedisReply], Error>) {
        let early = state.withLock { state -> Result<[RedisReply], Error>? in
            if state.early == nil { state.continuation = continuation }
            return state.early
        }
        if let early { continuation.resume(with: early) }
    }

    /// Marks the request as running on `connection`; false when it was cancelled or ended meanwhile.
    func start(on connection: RedisConnection) -> Bool {
        state.withLock { state in
            guard case .queued = state.phase else { return false }
            state.phase = .running(connection)
            return true
        }
    }

    /// Ends the request (only the first call counts).
    func complete(_ result: Result<[RedisReply], Error>) {
        let (continuation, final) = state.withLock { state -> (UnsafeContinuation<[RedisReply], Error>?, Result<[RedisReply], Error>) in
            if case .done = state.phase { return (nil, result) }
            state.phase = .done
            let final: Result<[RedisReply], Error> = state.cancelled ? .failure(CancellationError()) : result
            guard let continuation = state.continuation else { state.early = final; return (nil, final) }
            state.continuation = nil
            return (continuation, final)
        }
        continuation?.resume(with: final)
    }

    /// The caller's task was cancelled: a queued request ends now; a running blocking one is
    /// woken by shutting its connection (which then reconnects); a running ordinary one finishes.
    func cancel() {
        let phase = state.withLock { state in state.cancelled = true; return state.phase }
        switch phase {
        case .queued: complete(.failure(CancellationError()))
        case .running(let connection): if blockingSeconds != nil { connection.interrupt() }
        case .done: break
        }
    }
}
