import Foundation
import Logging
import VigilRedis

/// One pooled connection and the thread that owns it. The thread takes batches of requests
/// from the shared queue, writes them in one go and reads the replies in order; while idle it
/// PINGs the server every `healthCheckInterval`. A connection found closed is reopened (with
/// the retry policy) before anything is written into it.
final class PoolConnection: @unchecked Sendable {
    private let index: Int
    private let configuration: RedisConfiguration
    private let connector: RedisConnector
    private let queue: RequestQueue
    /// Wakes this connection's thread when it waits idle for requests.
    private let waker = RequestQueue.Waker()
    private var logger: Logger
    /// Owned by the thread.
    private var connection: RedisConnection?
    private var lastActivity = DispatchTime.now().uptimeNanoseconds
    private let exited = DispatchSemaphore(value: 0)
    /// The connection a blocking request is running on, so `close` can wake it.
    private let blockingLock = NSLock()
    private var blockingOn: RedisConnection?

    init(index: Int, configuration: RedisConfiguration, queue: RequestQueue, logger: Logger) {
        self.index = index; self.configuration = configuration; self.queue = queue
        var logger = logger
        logger[metadataKey: "redis.connection"] = "\(index)"
        self.logger = logger
        connector = RedisConnector(configuration: configuration, logger: logger)
    }

    /// Starts the thread: it connects (with retries), reports the outcome to `ready`, and
    /// on success serves the queue until it is closed.
    func start(ready: @escaping @Sendable (Error?) -> Void) {
        let thread = Thread { [self] in
            do {
                connection = try connector.connect(sleep: queue.sleep(seconds:))
                ready(nil)
                serve()
            } catch {
                ready(error)
            }
            connection = nil
            exited.signal()
        }
        thread.name = "redis-pool-\(index)"
        thread.start()
    }

    /// Wakes a blocking request (BLPOP…) running now; the pool is closing.
    func interruptBlocking() {
        blockingLock.lock(); defer { blockingLock.unlock() }
        blockingOn?.interrupt()
    }

    /// Blocks until the thread has ended (after the queue was closed). Call off the cooperative pool.
    func waitForExit() { exited.wait() }

    private func serve() {
        let health = configuration.healthCheckInterval?.seconds
        while true {
            let idle = Double(DispatchTime.now().uptimeNanoseconds - lastActivity) / 1e9
            switch queue.take(maxCommands: configuration.maxPipelineLength, timeout: health.map { max(0.001, $0 - idle) }, waker: waker) {
            case .closed: return
            case .timedOut: healthCheck()
            case .batch(let requests): run(requests)
            }
        }
    }

    /// A usable connection: the current one unless the server closed it, else a new one.
    private func usableConnection() throws -> RedisConnection {
        if let connection, !connection.isStale { return connection }
        if connection != nil { logger.info("Redis connection closed by the server, reconnecting") }
        connection = nil
        let fresh = try connector.connect(sleep: queue.sleep(seconds:))
        logger.info("Redis reconnected", metadata: ["redis.address": "\(configuration.address)"])
        connection = fresh
        return fresh
    }

    /// Writes `requests` and reads their replies in order. While replies are still due and the
    /// socket has nothing more to read yet, it adds what callers queued meanwhile (`topUp`)
    /// behind them, so a busy connection keeps its pipeline full instead of going back to sleep
    /// on the queue between batches.
    private func run(_ requests: [RedisRequest]) {
        defer { lastActivity = DispatchTime.now().uptimeNanoseconds }
        let conn: RedisConnection
        do { conn = try usableConnection() } catch {
            requests.forEach { $0.complete(.failure(error)) }
            return
        }
        var live = requests.filter { $0.start(on: conn) }
        guard !live.isEmpty else { return }
        let blocking = live.count == 1 ? live[0].blockingSeconds : nil
        if blocking != nil { setBlocking(conn) }
        defer { if blocking != nil { setBlocking(nil) } }
        if let blocking {
            // Checked after publishing `blockingOn`, so either this sees the close or close sees us.
            if queue.isClosed { live[0].complete(.failure(RedisClientError.disconnected)); return }
            conn.setTimeout(seconds: blocking + configuration.commandTimeout.seconds)
        }
        var next = 0
        do {
            try conn.append(commands: live.count == 1 ? live[0].commands : live.flatMap(\.commands))
            var inFlight = live.reduce(0) { $0 + $1.commands.count }
            var replies: [RedisReply] = []
            while next < live.count {
                let request = live[next]
                var reply = try conn.bufferedReply()
                if reply == nil {
                    if blocking == nil {
                        let more = queue.topUp(maxCommands: configuration.maxPipelineLength - inFlight).filter { $0.start(on: conn) }
                        if !more.isEmpty {
                            live += more
                            inFlight += more.reduce(0) { $0 + $1.commands.count }
                            try conn.append(commands: more.count == 1 ? more[0].commands : more.flatMap(\.commands))
                        }
                    }
                    reply = try conn.readReply(operation: request.name)
                }
                if replies.isEmpty { replies.reserveCapacity(request.commands.count) }
                replies.append(reply!)
                guard replies.count == request.commands.count else { continue }
                request.complete(.success(replies))
                replies = []
                inFlight -= request.commands.count
                next += 1
                if next >= 1024 { live.removeFirst(next); next = 0 }
            }
            if blocking != nil { conn.setTimeout(seconds: configuration.commandTimeout.seconds) }
        } catch {
            let cause = error as? RedisError ?? RedisError(operation: live[next].name, message: "\(error)", connectionLost: true)
            if !queue.isClosed {
                logger.warning("Redis connection lost", metadata: ["redis.command": "\(live[next].name)", "error": "\(cause.message)"])
            }
            connection = nil
            for request in live[next...] {
                request.complete(.failure(queue.isClosed ? RedisClientError.disconnected
                                          : RedisClientError.connectionLost(command: request.name, cause: cause)))
            }
        }
    }

    private func setBlocking(_ connection: RedisConnection?) {
        blockingLock.lock(); blockingOn = connection; blockingLock.unlock()
    }

    /// Idle for a whole interval: PING (reconnecting a dead connection once, quietly if it works).
    private func healthCheck() {
        defer { lastActivity = DispatchTime.now().uptimeNanoseconds }
        if let connection, !connection.isStale, (try? connection.command(["PING"])) == .status("PONG") { return }
        if connection != nil { logger.warning("Redis health check failed, reconnecting") }
        connection = nil
        do {
            connection = try connector.connect(attempts: 1) { _ in false }
            logger.info("Redis reconnected", metadata: ["redis.address": "\(configuration.address)"])
        } catch {
            logger.warning("Redis unreachable", metadata: ["redis.address": "\(configuration.address)", "error": "\(error)"])
        }
    }
}
