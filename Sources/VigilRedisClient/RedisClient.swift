import Foundation
import Logging
import Synchronization
import VigilRedis

/// An async Redis client on hiredis: a pool of connections (each served by its own thread, so
/// blocking socket calls never run on Swift's cooperative pool), connect with retries and
/// exponential backoff, timeouts, TCP keepalive and periodic health PINGs.
///
/// ```swift
/// let redis = RedisClient(configuration: try RedisConfiguration(environment: ProcessInfo.processInfo.environment),
///                         logger: logger)
/// try await redis.connect()
/// try await redis.push(job, to: "detection_queue")
/// await redis.disconnect()
/// ```
///
/// Queues, cache, pub/sub and health live in extensions (`RedisClient+Queues.swift`, …).
/// Every call before `connect()` (or after `disconnect()`) throws `RedisClientError.notConnected`.
public final class RedisClient: Sendable {
    /// The settings this client was created with.
    public let configuration: RedisConfiguration
    let logger: Logger

    private enum State {
        case idle
        case connecting([CheckedContinuation<Void, Error>])
        case connected(ConnectionPool)
        case closing
    }
    private let state = Mutex<State>(.idle)
    let subscriptions = Mutex<[ObjectIdentifier: SubscriptionWorker]>([:])

    /// Creates a client; nothing is opened until `connect()`. The client logs through `logger`
    /// (tagged `redis.address`), it never creates a logger of its own.
    public init(configuration: RedisConfiguration = RedisConfiguration(), logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "redis.address"] = "\(configuration.address)"
        self.logger = logger
    }

    /// Opens the pool's connections, retrying each with the configured backoff. Calling it again
    /// while connected does nothing; concurrent callers wait for the same outcome.
    /// - Throws: `RedisClientError.connectFailed`, `.authenticationFailed` or `.invalidDatabase`.
    public func connect() async throws {
        enum Next { case done, wait, open }
        let next: Next = state.withLock { state in
            switch state {
            case .connected: return .done
            case .connecting: return .wait
            case .idle, .closing: state = .connecting([]); return .open
            }
        }
        switch next {
        case .done: return
        case .wait:
            try await withCheckedThrowingContinuation { continuation in
                let queued = state.withLock { state -> Bool in
                    guard case .connecting(var waiters) = state else { return false }
                    waiters.append(continuation); state = .connecting(waiters); return true
                }
                if !queued { continuation.resume() }
            }
            guard isConnected else { throw RedisClientError.notConnected }
        case .open:
            let pool = ConnectionPool(configuration: configuration, logger: logger)
            do {
                try await pool.start()
            } catch {
                await pool.close()
                let waiters = state.withLock { state -> [CheckedContinuation<Void, Error>] in
                    defer { state = .idle }
                    if case .connecting(let w) = state { return w } else { return [] }
                }
                waiters.forEach { $0.resume(throwing: error) }
                logger.error("Redis connect failed", metadata: ["error": "\(error)"])
                throw error
            }
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Error>] in
                defer { state = .connected(pool) }
                if case .connecting(let w) = state { return w } else { return [] }
            }
            waiters.forEach { $0.resume() }
            logger.info("Redis connected", metadata: ["redis.pool_size": "\(configuration.poolSize)"])
        }
    }

    /// Closes every subscription and connection: requests still queued fail with
    /// `RedisClientError.disconnected`, a blocking pop in progress is woken, and the call returns
    /// once every connection thread has ended. The client may `connect()` again afterwards.
    public func disconnect() async {
        let pool: ConnectionPool? = state.withLock { state in
            guard case .connected(let pool) = state else { return nil }
            state = .closing
            return pool
        }
        guard let pool else { return }
        let workers = subscriptions.withLock { subs in defer { subs = [:] }; return Array(subs.values) }
        for worker in workers { await worker.close() }
        await pool.close()
        state.withLock { state in if case .closing = state { state = .idle } }
        logger.info("Redis disconnected")
    }

    /// True between a successful `connect()` and `disconnect()`.
    public var isConnected: Bool {
        state.withLock { if case .connected = $0 { return true } else { return false } }
    }

    /// Sends one command (any Redis command, as its words) and returns the reply.
    /// - Throws: `RedisClientError.server` for an error reply, and the connection errors.
    @discardableResult
    public func send(_ command: [String]) async throws -> RedisReply {
        let reply = try await execute([command])[0]
        if case .error(let message) = reply { throw RedisClientError.server(command: command.first ?? "", message: message) }
        return reply
    }

    /// Sends one command given as words, e.g. `send("INCR", "visits")`.
    @discardableResult
    public func send(_ words: String...) async throws -> RedisReply { try await send(words) }

    /// Sends `commands` back to back on one connection in a single write and returns their
    /// replies in order (explicit pipelining). An error reply comes back as `.error` in its place.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await execute(commands)
    }

    /// Queues `commands` on the pool and waits for their replies. `blockingSeconds` is how
    /// long the server may hold the reply (BLPOP); the caller's cancellation ends the wait.
    func execute(_ commands: [[String]], blockingSeconds: Double? = nil) async throws -> [RedisReply] {
        guard let pool = state.withLock({ state -> ConnectionPool? in
            if case .connected(let pool) = state { return pool } else { return nil }
        }) else { throw RedisClientError.notConnected }
        let request = RedisRequest(commands, blockingSeconds: blockingSeconds)
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                request.attach(continuation)
                pool.submit(request)
            }
        } onCancel: {
            request.cancel()
        }
    }

    /// `execute` for one command whose error reply is thrown.
    func reply(_ command: [String], blockingSeconds: Double? = nil) async throws -> RedisReply {
        let reply = try await execute([command], blockingSeconds: blockingSeconds)[0]
        if case .error(let message) = reply { throw RedisClientError.server(command: command[0], message: message) }
        return reply
    }

    /// `reply` that must be an integer.
    func integer(_ command: [String]) async throws -> Int {
        let r = try await reply(command)
        guard case .integer(let n) = r else { throw RedisClientError.unexpectedReply(command: command[0], reply: r) }
        return n
    }
}
