import Foundation
import Logging
import VigilRedis

/// `poolSize` connections sharing one request queue. Whichever connection thread is free takes
/// the next batch, so a slow or blocking call never holds up the others.
final class ConnectionPool: Sendable {
    let queue: RequestQueue
    private let connections: [PoolConnection]

    init(configuration: RedisConfiguration, logger: Logger) {
        let queue = RequestQueue()
        self.queue = queue
        connections = (0..<max(1, configuration.poolSize)).map {
            PoolConnection(index: $0, configuration: configuration, queue: queue, logger: logger)
        }
    }

    /// Opens every connection (each on its own thread, in parallel); throws the first failure.
    func start() async throws {
        let outcome = Outcome(expected: connections.count)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            outcome.continuation = continuation
            for connection in connections { connection.start { outcome.report($0) } }
        }
    }

    /// Sends `request` to whichever connection is free first.
    func submit(_ request: RedisRequest) {
        if !queue.push(request) { request.complete(.failure(RedisClientError.notConnected)) }
    }

    /// Fails what still waits, wakes blocked threads and waits (off the cooperative pool) for
    /// every connection thread to end.
    func close() async {
        for request in queue.close() { request.complete(.failure(RedisClientError.disconnected)) }
        connections.forEach { $0.interruptBlocking() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let connections = self.connections
            Thread.detachNewThread {
                connections.forEach { $0.waitForExit() }
                continuation.resume()
            }
        }
    }

    /// Collects one report per connection and resumes the starter once all are in.
    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var remaining: Int
        private var firstError: Error?
        var continuation: CheckedContinuation<Void, Error>?

        init(expected: Int) { remaining = expected }

        func report(_ error: Error?) {
            lock.lock()
            remaining -= 1
            if firstError == nil, let error { firstError = error }
            let done = remaining == 0
            let continuation = done ? self.continuation : nil
            let result = firstError
            lock.unlock()
            guard let continuation else { return }
            if let result { continuation.resume(throwing: result) } else { continuation.resume() }
        }
    }
}
