import Foundation

/// The host's settings from environment variables and `.env` (the environment wins).
package struct Settings: Sendable {
    /// PostgreSQL connection string (libpq URI or key=value); nil when not configured.
    package var databaseURL: String?
    /// Redis address.
    package var redis: RedisAddress
    /// Pub/Sub channel events are published on (`REDIS_CHANNEL_NAME`, default "events").
    package var channel: String
    /// Where snapshot PNGs are written (`SNAPSHOTS_DIR`, default "snapshots").
    package var snapshotsDir: String
    /// Where plugin instances keep state across restarts (`STATE_DIR`, default "state").
    package var stateDir: String
    /// Whether snapshots are written (`ENABLE_SNAPSHOTS`, default true).
    package var enableSnapshots: Bool
    /// REST API port (`API_PORT`, default 8069; 0 picks a free port).
    package var apiPort: Int
    /// Address the REST API listens on (`API_HOST`, default 0.0.0.0: every interface).
    package var apiHost: String
    /// When set (`API_TOKEN`), every /api route requires `Authorization: Bearer <token>`.
    package var apiToken: String?
    /// plugins.json path (`VIGIL_CONFIG`, default "plugins.json").
    package var configPath: String
    /// Every variable seen, for `${VAR}` substitution in plugins.json.
    package var environment: [String: String]

    /// Reads `.env` in `directory` (if present) under the process environment.
    package static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                     directory: String = FileManager.default.currentDirectoryPath) throws -> Settings {
        let dotEnv = try DotEnv.read(path: directory + "/.env")
        // Plugins read their own variables (a webhook secret, say) from the process environment:
        // export what .env adds there too, without overriding the real environment.
        for (key, value) in dotEnv where environment[key] == nil { setenv(key, value, 0) }
        var merged = dotEnv
        merged.merge(environment) { _, env in env }
        return try Settings(merged)
    }

    package init(_ env: [String: String]) throws {
        func flag(_ key: String, _ def: Bool) throws -> Bool {
            guard let raw = env[key]?.lowercased(), !raw.isEmpty else { return def }
            if ["1", "true", "yes", "on"].contains(raw) { return true }
            if ["0", "false", "no", "off"].contains(raw) { return false }
            throw ConfigError(file: "environment", path: key, message: "expected true or false, found \"\(raw)\"")
        }
        func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let raw = env[key], !raw.isEmpty else { return def }
            guard let v = Int(raw), range.contains(v) else {
                throw ConfigError(file: "environment", path: key, message: "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \"\(raw)\"")
            }
            return v
        }
        environment = env
        databaseURL = env["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let url = env["REDIS_URL"], !url.isEmpty {
            redis = try RedisAddress(url: url)
        } else {
            redis = RedisAddress(host: env["REDIS_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
                                 port: try int("REDIS_PORT", 6379, 1...65535),
                                 database: try int("REDIS_DB", 0, 0...1_000_000), password: env["REDIS_PASSWORD"])
        }
        channel = env["REDIS_CHANNEL_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "events"
        snapshotsDir = env["SNAPSHOTS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "snapshots"
        stateDir = env["STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "state"
        enableSnapshots = try flag("ENABLE_SNAPSHOTS", true)
        apiPort = try int("API_PORT", 8069, 0...65535)
        apiHost = env["API_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "0.0.0.0"
        apiToken = env["API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        configPath = env["VIGIL_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? "plugins.json"
    }
}

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

/// `.env`: `KEY=value` lines, `#` comments, optional `export ` and quotes.
enum DotEnv {
    static func read(path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    static func parse(_ text: String, file: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line.removeFirst(7) }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigError(file: file, path: "line \(n + 1)", message: "expected KEY=value")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            values[key] = value
        }
        return values
    }
}
