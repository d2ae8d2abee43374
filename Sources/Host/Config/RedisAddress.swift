import Foundation

/// Where a Redis server is.
package struct RedisAddress: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var database: Int
    package var password: String?

    init(host: String, port: Int, database: Int, password: String? = nil) {
        self.host = host; self.port = port; self.database = database; self.password = password
    }

    /// Parses `redis://[:password@]host[:port][/db]`.
    init(url: String) throws {
        guard let parts = URLComponents(string: url), parts.scheme == "redis", let host = parts.host, !host.isEmpty else {
            throw ConfigError(file: "environment", path: "REDIS_URL", message: "expected redis://host[:port][/db], found \"\(url)\"")
        }
        let dbText = parts.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard dbText.isEmpty || Int(dbText) != nil else {
            throw ConfigError(file: "environment", path: "REDIS_URL", message: "expected a database number after '/', found \"\(dbText)\"")
        }
        self.init(host: host, port: parts.port ?? 6379, database: Int(dbText) ?? 0, password: parts.password)
    }
}
