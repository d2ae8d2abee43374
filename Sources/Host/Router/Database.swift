import Foundation
import VigilPostgres

/// The one door to PostgreSQL. Every part of vigil that talks to the database (writer, publisher,
/// sinks, API) opens its connections here: with vigil's timeouts, and with the schema created and
/// migrated once per process, by the first connection that succeeds (at start when PostgreSQL is
/// up, otherwise as soon as it is). `Reconnector` keeps one connection open with backoff.
package final class Database: Sendable {
    /// The libpq URI or connection string (`DATABASE_URL`).
    package let url: String
    /// Limits for connecting and for each statement's answer.
    package let timeouts: PostgresTimeouts
    /// The plate keys (`PLATE_ENCRYPTION_KEY`): the writer encrypts plates under them, readers of
    /// rows decrypt with them. nil: plates are stored plain.
    package let plates: PlateVault?
    private let state = MigrationState()

    package init(url: String, timeouts: PostgresTimeouts = .standard, plates: PlateVault? = nil) {
        self.url = url
        self.timeouts = timeouts
        self.plates = plates
    }

    /// A new connection with the schema ready, with vigil's timeouts or, for work known to be long
    /// (retention's deletes), the ones given. Throws a `PostgresError` (connect, or migration).
    package func connect(timeouts: PostgresTimeouts? = nil) throws -> PostgresConnection {
        let connection = try PostgresConnection(url, timeouts: timeouts ?? self.timeouts)
        try migrateOnce(connection)
        return connection
    }

    /// Creates and migrates the schema on `connection` unless this process already did.
    package func migrateOnce(_ connection: PostgresConnection) throws {
        try state.once { _ = try connection.withoutTimeouts { try Migrations.run(connection) } }
    }

    /// Whether this process has migrated the schema.
    package var migrated: Bool { state.done }
}

/// Runs the migration once; callers arriving meanwhile wait for it.
private final class MigrationState: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var done: Bool {
        get { lock.lock(); defer { lock.unlock() }; return finished }
        set { lock.lock(); finished = newValue; lock.unlock() }
    }
    private var finished = false
    private let running = NSLock()

    func once(_ body: () throws -> Void) throws {
        if done { return }
        running.lock(); defer { running.unlock() }
        if done { return }
        try body()
        done = true
    }
}
