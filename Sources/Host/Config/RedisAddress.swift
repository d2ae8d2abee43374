import Foundation
import VigilRedisClient

/// Where a Redis server is, for the host's own raw connections (the publisher, the live feed).
/// Settings derive it from the client library's `RedisConfiguration`, so both read the same
/// variables the same way.
package struct RedisAddress: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var database: Int
    package var password: String?
    /// ACL user (`REDIS_USERNAME` or the user in `REDIS_URL`); nil: the default user.
    package var username: String?

    init(host: String, port: Int, database: Int, password: String? = nil, username: String? = nil) {
        self.host = host; self.port = port; self.database = database; self.password = password; self.username = username
    }

    /// The address part of a client configuration.
    package init(_ configuration: RedisConfiguration) {
        self.init(host: configuration.host, port: configuration.port, database: configuration.database,
                  password: configuration.password, username: configuration.username)
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`.
    init(url: String) throws {
        do {
            self.init(try RedisConfiguration(url: url))
        } catch let error as RedisConfigurationError {
            throw ConfigError(file: "environment", path: "REDIS_URL", message: error.message)
        }
    }
}
