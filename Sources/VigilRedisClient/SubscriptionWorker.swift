import Foundation
import Logging
import VigilRedis

/// The thread behind a `RedisSubscription`: owns its connection, reads messages and hands them
/// to the stream, writes (un)subscribe commands other tasks ask for (woken through a pipe),
/// PINGs when idle, and after a lost connection reconnects and subscribes to everything again.
final class SubscriptionWorker: @unchecked Sendable {
    let configuration: RedisConfiguration
    let connector: RedisConnector
    let logger: Logger
    let continuation: AsyncStream<RedisMessage>.Continuation
    let onResubscribe: (@Sendable () -> Void)?

    let lock = NSCondition()
    var channels: Set<String> = []
    var patterns: Set<String> = []
    var outgoing: [[String]] = []
    var confirmations = SubscribeConfirmations()
    private var closed = false
    private var closeHandler: (@Sendable () -> Void)?
    let wake: WakePipe
    private let exited = DispatchSemaphore(value: 0)
    private var started = false

    init(configuration: RedisConfiguration, logger: Logger, continuation: AsyncStream<RedisMessage>.Continuation,
         onResubscribe: (@Sendable () -> Void)?) throws {
        self.configuration = configuration; self.logger = logger
        self.continuation = continuation; self.onResubscribe = onResubscribe
        connector = RedisConnector(configuration: configuration, logger: logger)
        wake = try WakePipe()
    }

    /// Called once when the worker ends (the client forgets it).
    var onClose: (@Sendable () -> Void)? {
        get { lock.lock(); defer { lock.unlock() }; return closeHandler }
        set { lock.lock(); closeHandler = newValue; lock.unlock() }
    }

    /// The channels and patterns wanted now.
    var subscribed: (channels: Set<String>, patterns: Set<String>) {
        lock.lock(); defer { lock.unlock() }
        return (channels, patterns)
    }

    /// Connects (with the retry policy), subscribes and returns once the server confirmed all.
    func start(channels: [String], patterns: [String]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            lock.withLock {
                self.channels = Set(channels); self.patterns = Set(patterns)
                confirmations.expect(channels: channels, patterns: patterns, then: continuation)
                started = true
            }
            let thread = Thread { [self] in run(); exited.signal() }
            thread.name = "redis-subscriber"
            thread.start()
        }
    }

    /// Subscribes to more; returns once confirmed.
    func add(channels: [String], patterns: [String]) async throws {
        let newChannels = channels.filter { !self.subscribed.channels.contains($0) }
        let newPatterns = patterns.filter { !self.subscribed.patterns.contains($0) }
        guard !newChannels.isEmpty || !newPatterns.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let open = lock.withLock {
                guard !closed else { return false }
                self.channels.formUnion(newChannels); self.patterns.formUnion(newPatterns)
                if !newChannels.isEmpty { outgoing.append(["SUBSCRIBE"] + newChannels) }
                if !newPatterns.isEmpty { outgoing.append(["PSUBSCRIBE"] + newPatterns) }
                confirmations.expect(channels: newChannels, patterns: newPatterns, then: continuation)
                return true
            }
            if open { wake.signal() } else { continuation.resume(throwing: RedisClientError.disconnected) }
        }
    }

    /// Unsubscribes; returns once the server confirmed (no message of those channels follows
    /// what is already buffered). Closes the subscription when nothing is left.
    func remove(channels: [String], patterns: [String]) async {
        let empty = lock.withLock {
            self.channels.subtract(channels); self.patterns.subtract(patterns)
            return self.channels.isEmpty && self.patterns.isEmpty
        }
        if empty { await close(); return }
        try? await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let open = lock.withLock {
                guard !closed else { return false }
                let gone = channels, gonePatterns = patterns
                if !gone.isEmpty { outgoing.append(["UNSUBSCRIBE"] + gone) }
                if !gonePatterns.isEmpty { outgoing.append(["PUNSUBSCRIBE"] + gonePatterns) }
                confirmations.expect(keys: gone.map { "uc:" + $0 } + gonePatterns.map { "up:" + $0 }, then: continuation)
                return true
            }
            if open { wake.signal() } else { continuation.resume() }
        }
    }

    /// Asks the thread to end, without waiting (the stream's termination handler).
    func requestClose() {
        lock.lock()
        closed = true
        lock.broadcast()
        lock.unlock()
        wake.signal()
    }

    /// Ends the thread and waits (off the cooperative pool) until it is gone.
    func close() async {
        requestClose()
        let running = lock.withLock { started }
        guard running else { finish(); return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                exited.wait(); exited.signal()
                continuation.resume()
            }
        }
    }

    var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }

    /// Waits `seconds` unless closed meanwhile (true).
    func sleep(_ seconds: Double) -> Bool {
        lock.lock(); defer { lock.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !closed { if !lock.wait(until: deadline) { break } }
        return closed
    }

    func finish() {
        lock.lock()
        let waiting = confirmations.takeAll()
        let handler = closeHandler
        closeHandler = nil
        lock.unlock()
        waiting.forEach { $0.resume(throwing: RedisClientError.disconnected) }
        continuation.finish()
        handler?()
    }
}
