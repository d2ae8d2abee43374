import Logging
import VigilRedis

/// Opens connections the way the configuration says (timeouts, keepalive, AUTH, SELECT, a
/// first PING) and retries with exponential backoff. Runs on the calling (own) thread.
struct RedisConnector: Sendable {
    let configuration: RedisConfiguration
    let logger: Logger

    /// One attempt. Errors are already `RedisClientError`s (auth and database ones are final).
    func connectOnce() throws -> RedisConnection {
        let c = configuration
        do {
            let connection = try RedisConnection(
                host: c.host, port: c.port, database: c.database, password: c.password,
                timeoutSeconds: c.commandTimeout.seconds, username: c.username,
                connectTimeoutSeconds: c.connectTimeout.seconds,
                keepAliveSeconds: c.keepAlive.map { max(1, Int($0.seconds.rounded())) })
            // A server that wants a password we did not send only says so on the first command.
            if case .error(let message) = try connection.command(["PING"]) {
                let cause = RedisError(operation: "PING", message: message, connectionLost: false,
                                       kind: message.hasPrefix("NOAUTH") ? .authentication : .server)
                throw cause
            }
            if let name = c.clientName, case .error(let message) = try connection.command(["CLIENT", "SETNAME", name]) {
                throw RedisError(operation: "CLIENT SETNAME", message: message, connectionLost: false)
            }
            return connection
        } catch let error as RedisError {
            switch error.kind {
            case .authentication: throw RedisClientError.authenticationFailed(address: c.address, cause: error)
            case .database: throw RedisClientError.invalidDatabase(address: c.address, database: c.database, cause: error)
            default: throw error
            }
        }
    }

    /// Up to `attempts` tries (nil: the policy's), sleeping the backoff between them with
    /// `sleep`, which returns true to stop early (the client is closing). Refused credentials
    /// and database numbers are not retried.
    func connect(attempts: Int? = nil, sleep: (Double) -> Bool) throws -> RedisConnection {
        let attempts = max(1, attempts ?? configuration.retry.attempts)
        var attempt = 1
        while true {
            do {
                return try connectOnce()
            } catch let error as RedisError {
                guard attempt < attempts else {
                    throw RedisClientError.connectFailed(address: configuration.address, attempts: attempt, cause: error)
                }
                let delay = configuration.retry.delay(afterAttempt: attempt)
                logger.debug("Redis connect failed, retrying", metadata: [
                    "redis.address": "\(configuration.address)", "redis.attempt": "\(attempt)",
                    "redis.retry_in_ms": "\(Int(delay.seconds * 1000))", "error": "\(error.message)"])
                if sleep(delay.seconds) { throw RedisClientError.disconnected }
                attempt += 1
            }
        }
    }
}
