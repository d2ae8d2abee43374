import Foundation
import Logging
import ServiceLifecycle
import VigilConfig
import VigilRedisClient

/// The host's one `RedisClient` (cache, queues, health, plugins' store) as a Service: connects
/// at start, and while Redis is unreachable keeps trying (the retry policy's backoff, then every
/// `retryEvery`), so vigil starts and runs without Redis; disconnects at shutdown, after the
/// services that use it (it comes before them in the group).
package final class RedisService: Service, Sendable {
    /// The shared client; calls fail with `RedisClientError.notConnected` until it is connected.
    package let client: RedisClient
    private let logger: Logger
    private let retryEvery: Duration

    package init(client: RedisClient, logger: Logger, retryEvery: Duration = .seconds(2)) {
        self.client = client; self.logger = logger; self.retryEvery = retryEvery
    }

    package func run() async throws {
        var warned = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await client.connect()
                break
            } catch {
                if !warned { logger.error("Redis unavailable; cache, work queues and health retry", metadata: ["error": "\(error)"]) }
                warned = true
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.retryEvery) }
            }
        }
        try? await gracefulShutdown()
        await client.disconnect()
    }
}
