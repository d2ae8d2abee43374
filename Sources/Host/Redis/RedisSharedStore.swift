import PluginAPI
import VigilRedisClient

/// PluginAPI's `SharedStore` (PluginAPI 1.1) backed by the host's `RedisClient`: what plugins
/// reach through `PluginContext.store`. Values are strings, stored as they are.
package struct RedisSharedStore: SharedStore {
    private let client: RedisClient

    package init(client: RedisClient) { self.client = client }

    package func set(_ key: String, _ value: String, ttl: Duration?) async throws {
        try await client.set(key, to: value, ttl: ttl)
    }

    package func get(_ key: String) async throws -> String? {
        try await client.get(key, as: String.self)
    }

    package func exists(_ key: String) async throws -> Bool {
        try await client.exists(key)
    }

    @discardableResult
    package func delete(_ keys: [String]) async throws -> Int {
        try await client.delete(keys)
    }

    package func push(_ value: String, to queue: String) async throws {
        try await client.push(value, to: queue)
    }

    package func pop(from queue: String, timeout: Duration?) async throws -> String? {
        try await client.pop(from: queue, timeout: timeout, as: String.self)
    }

    package func length(of queue: String) async throws -> Int {
        try await client.length(of: queue)
    }
}
