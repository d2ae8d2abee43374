import Foundation
import Logging
import VigilPostgres

/// One long-lived connection of one thread (the writer's, the publisher's, a sink's, an API
/// worker's), through the `Database` door, reopened with exponential backoff when it breaks.
/// The first failure is logged as an error, the recovery as info; the retries in between are quiet.
/// With `background`, connecting happens on a thread of its own, so a host that does not answer
/// never holds up the caller (the writer keeps spooling meanwhile).
package final class Reconnector: @unchecked Sendable {
    package let database: Database
    private let role: String
    private let logger: Logger
    private let prepare: (PostgresConnection) throws -> Void
    private let background: Bool
    private let initialBackoff: Double, maxBackoff: Double
    private let lock = NSLock()
    private var current: PostgresConnection?
    private var ready: PostgresConnection?
    private var connecting = false
    private var backoff: Double
    private var nextAttempt = Date.distantPast
    private var lastError: (any Error)?
    private var down = false

    /// `prepare` runs on each new connection (prepared statements, positions); its failure counts as a failed connect.
    package init(database: Database, role: String, logger: Logger, background: Bool = false,
                 backoff: (initial: Double, max: Double) = (0.1, 5),
                 prepare: @escaping (PostgresConnection) throws -> Void = { _ in }) {
        self.database = database; self.role = role; self.logger = logger; self.background = background
        self.prepare = prepare
        initialBackoff = backoff.initial; maxBackoff = backoff.max; self.backoff = backoff.initial
    }

    /// The open connection, or a new one when the backoff allows; nil while PostgreSQL is unreachable
    /// (or, in background mode, while a connection is being opened).
    package func connection() -> PostgresConnection? {
        lock.lock()
        if let c = current, c.isConnected { lock.unlock(); return c }
        current = nil
        if let c = ready { ready = nil; current = c; lock.unlock(); return c }
        guard !connecting, Date() >= nextAttempt else { lock.unlock(); return nil }
        connecting = true
        lock.unlock()
        if background {
            let thread = Thread { [self] in _ = attempt() }
            thread.name = "vigil-connect-\(role)"
            thread.start()
            return nil
        }
        guard attempt() else { return nil }
        lock.lock(); defer { lock.unlock() }
        current = ready; ready = nil
        return current
    }

    /// A connection now, ignoring the backoff (waits for an attempt under way): for a last try at shutdown.
    package func connectNow() -> PostgresConnection? {
        while true {
            lock.lock()
            if let c = current, c.isConnected { lock.unlock(); return c }
            if let c = ready { ready = nil; current = c; lock.unlock(); return c }
            if !connecting { connecting = true; lock.unlock(); break }
            lock.unlock()
            Thread.sleep(forTimeInterval: 0.01)
        }
        guard attempt() else { return nil }
        lock.lock(); defer { lock.unlock() }
        current = ready; ready = nil
        return current
    }

    /// Like `connection()` but throws the last connection error while PostgreSQL is unreachable.
    package func connectionOrThrow() throws -> PostgresConnection {
        if let c = connection() { return c }
        lock.lock(); defer { lock.unlock() }
        throw lastError ?? PostgresError(operation: "connect", message: "connecting", sqlState: nil, connectionLost: true)
    }

    /// Gives up the connection after `error` (lost, timed out): the next `connection()` reconnects after the backoff.
    package func drop(after error: any Error) {
        lock.lock()
        current = nil
        let first = !down
        down = true
        lastError = error
        nextAttempt = Date().addingTimeInterval(backoff)
        lock.unlock()
        if first { logger.error("PostgreSQL connection lost", metadata: ["db.role": "\(role)", "error": "\(error)"]) }
    }

    /// True while the last attempt or the last statement failed.
    package var isDown: Bool { lock.lock(); defer { lock.unlock() }; return down }

    private func attempt() -> Bool {
        do {
            let c = try database.connect()
            try prepare(c)
            lock.lock()
            ready = c; connecting = false; backoff = initialBackoff
            let wasDown = down
            down = false
            lock.unlock()
            if wasDown { logger.info("PostgreSQL reconnected", metadata: ["db.role": "\(role)"]) }
            return true
        } catch {
            lock.lock()
            connecting = false
            lastError = error
            nextAttempt = Date().addingTimeInterval(backoff)
            backoff = min(backoff * 2, maxBackoff)
            let first = !down
            down = true
            lock.unlock()
            if first { logger.error("PostgreSQL unavailable", metadata: ["db.role": "\(role)", "error": "\(error)"]) }
            return false
        }
    }
}
