import Foundation

/// Where Redis is and how the client talks to it: address, pool size, timeouts, retries,
/// keepalive and health checks. Every property has a default; build one from `REDIS_URL`
/// (or `REDIS_HOST`/`REDIS_PORT`/`REDIS_DB`/`REDIS_PASSWORD`) with `init(environment:)`.
public struct RedisConfiguration: Sendable, Equatable {
    /// Server host name or address.
    public var host: String
    /// Server port.
    public var port: Int
    /// Database number (SELECT), 0 by default.
    public var database: Int
    /// ACL user for AUTH (Redis 6+); nil authenticates the default user.
    public var username: String?
    /// Password for AUTH; nil or empty sends no AUTH.
    public var password: String?
    /// A name for the client's connections (CLIENT SETNAME), shown by `CLIENT LIST`; nil: none.
    public var clientName: String?
    /// How many connections the pool holds, each served by its own thread (at least 1).
    public var poolSize: Int = 4
    /// How long one TCP connect may take.
    public var connectTimeout: Duration = .seconds(2)
    /// How long a reply may take (a blocking pop adds its own wait to this).
    public var commandTimeout: Duration = .seconds(5)
    /// Connect attempts and the exponential backoff between them.
    public var retry: RedisRetryPolicy = RedisRetryPolicy()
    /// TCP keepalive: probe a connection after this much silence (nil: off).
    public var keepAlive: Duration? = .seconds(30)
    /// PING each idle connection this often, reconnecting a dead one before it is needed (nil: off).
    public var healthCheckInterval: Duration? = .seconds(30)
    /// The most commands one connection sends in a single write when callers queue up
    /// (automatic pipelining of concurrent calls).
    public var maxPipelineLength: Int = 256

    /// A configuration for `host:port` with every other setting at its default.
    public init(host: String = "127.0.0.1", port: Int = 6379, database: Int = 0,
                username: String? = nil, password: String? = nil) {
        self.host = host; self.port = port; self.database = database
        self.username = username; self.password = password
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]` (percent-escapes in the password are decoded).
    /// - Throws: `RedisConfigurationError` naming `REDIS_URL` and what was expected.
    public init(url: String) throws {
        func fail(_ message: String) -> RedisConfigurationError {
            RedisConfigurationError(variable: "REDIS_URL", message: message)
        }
        guard let parts = URLComponents(string: url) else { throw fail("expected redis://[:password@]host[:port][/db], found \"\(url)\"") }
        guard parts.scheme == "redis" else {
            throw fail("expected the scheme redis:// (TLS, rediss://, is not supported), found \"\(parts.scheme ?? "")\"")
        }
        guard let host = parts.host, !host.isEmpty else { throw fail("expected a host after redis://, found \"\(url)\"") }
        let dbText = parts.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard dbText.isEmpty || (Int(dbText).map { $0 >= 0 } ?? false) else {
            throw fail("expected a database number after '/', found \"\(dbText)\"")
        }
        if let port = parts.port, !(1...65535).contains(port) { throw fail("expected a port from 1 to 65535, found \(port)") }
        let user = parts.user.flatMap { $0.isEmpty ? nil : $0 }
        self.init(host: host, port: parts.port ?? 6379, database: Int(dbText) ?? 0, username: user,
                  password: parts.password)
    }

    /// Reads `REDIS_URL`, or else `REDIS_HOST` (default 127.0.0.1), `REDIS_PORT` (6379),
    /// `REDIS_DB` (0), `REDIS_USERNAME` and `REDIS_PASSWORD`; and either way `REDIS_POOL_SIZE` (4),
    /// `REDIS_CONNECT_TIMEOUT_SECONDS` (2), `REDIS_COMMAND_TIMEOUT_SECONDS` (5),
    /// `REDIS_RETRY_ATTEMPTS` (5), `REDIS_RETRY_BASE_SECONDS` (0.1), `REDIS_RETRY_CAP_SECONDS` (2),
    /// `REDIS_KEEPALIVE_SECONDS` (30; 0 turns it off) and `REDIS_HEALTH_CHECK_SECONDS` (30; 0: off).
    /// A variable that is unset or empty keeps the default.
    /// - Throws: `RedisConfigurationError` naming the variable and what was expected.
    public init(environment: [String: String]) throws {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let raw = value(key) else { return def }
            guard let v = Int(raw), range.contains(v) else {
                throw RedisConfigurationError(variable: key, message:
                    "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \"\(raw)\"")
            }
            return v
        }
        func seconds(_ key: String, _ def: Duration, minimum: Double) throws -> Duration {
            guard let raw = value(key) else { return def }
            guard let v = Double(raw), v.isFinite, v >= minimum, v <= 86_400 else {
                throw RedisConfigurationError(variable: key, message:
                    "expected seconds from \(minimum == 0 ? "0" : "\(minimum)") to 86400 (e.g. 0.5), found \"\(raw)\"")
            }
            return .milliseconds(Int64((v * 1000).rounded()))
        }
        func optionalSeconds(_ key: String, _ def: Duration?) throws -> Duration? {
            let d = try seconds(key, def ?? .zero, minimum: 0)
            return d == .zero ? nil : d
        }
        if let url = value("REDIS_URL") {
            try self.init(url: url)
        } else {
            self.init(host: value("REDIS_HOST") ?? "127.0.0.1", port: try int("REDIS_PORT", 6379, 1...65535),
                      database: try int("REDIS_DB", 0, 0...1_000_000), username: value("REDIS_USERNAME"),
                      password: value("REDIS_PASSWORD"))
        }
        poolSize = try int("REDIS_POOL_SIZE", poolSize, 1...1024)
        connectTimeout = try seconds("REDIS_CONNECT_TIMEOUT_SECONDS", connectTimeout, minimum: 0.001)
        commandTimeout = try seconds("REDIS_COMMAND_TIMEOUT_SECONDS", commandTimeout, minimum: 0.001)
        retry = RedisRetryPolicy(attempts: try int("REDIS_RETRY_ATTEMPTS", retry.attempts, 1...1000),
                                 base: try seconds("REDIS_RETRY_BASE_SECONDS", retry.base, minimum: 0),
                                 cap: try seconds("REDIS_RETRY_CAP_SECONDS", retry.cap, minimum: 0))
        keepAlive = try optionalSeconds("REDIS_KEEPALIVE_SECONDS", keepAlive)
        healthCheckInterval = try optionalSeconds("REDIS_HEALTH_CHECK_SECONDS", healthCheckInterval)
    }

    /// `host:port/db`, for messages (never the password).
    public var address: String { "\(host):\(port)/\(database)" }
}

/// How often and how patiently the client connects: `attempts` tries, waiting
/// `min(cap, base · 2^(n−1))` after the n-th failure.
public struct RedisRetryPolicy: Sendable, Equatable {
    /// Connect attempts before giving up (at least 1).
    public var attempts: Int
    /// Wait after the first failure.
    public var base: Duration
    /// The longest wait between two attempts.
    public var cap: Duration

    /// A policy; the defaults try 5 times over about 1.5 s (0.1, 0.2, 0.4, 0.8 s apart).
    public init(attempts: Int = 5, base: Duration = .milliseconds(100), cap: Duration = .seconds(2)) {
        self.attempts = attempts; self.base = base; self.cap = cap
    }

    /// The wait after failed attempt `n` (1-based).
    public func delay(afterAttempt n: Int) -> Duration {
        let factor = Double(1 << min(max(n - 1, 0), 30))
        return min(cap, base * factor)
    }
}

/// A Redis setting that cannot be used, naming the variable (e.g. `REDIS_URL`) and what was expected.
public struct RedisConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The environment variable (or setting) at fault.
    public let variable: String
    /// What was expected and what was found.
    public let message: String
    /// `REDIS_URL: expected …`.
    public var description: String { "\(variable): \(message)" }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
