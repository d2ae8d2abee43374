import Foundation
import VigilPostgres
import VigilRouter

/// A few libpq connections, each owned by its own thread (libpq blocks; the cooperative pool
/// must not). `run` hands a closure to a free connection and awaits its result. A connection
/// that breaks is dropped and reopened for the next job.
package final class DatabasePool: @unchecked Sendable {
    private struct Job {
        let body: (PostgresConnection) -> Void
        let fail: (any Error) -> Void
    }

    private let url: String
    private let jobs: BlockingQueue<Job>
    private let done = DispatchGroup()

    private let prepare: @Sendable (PostgresConnection) throws -> Void

    /// Starts `size` threads; connections open on first use and are handed to `prepare` once
    /// (the API creates the schema there, so it works on an empty database).
    package init(url: String, size: Int = 4, prepare: @escaping @Sendable (PostgresConnection) throws -> Void = { _ in }) {
        self.url = url
        self.prepare = prepare
        jobs = BlockingQueue(capacity: 10_000)
        for i in 0..<max(1, size) {
            done.enter()
            let thread = Thread { [self] in work(); done.leave() }
            thread.name = "vigil-db-\(i)"
            thread.start()
        }
    }

    /// Runs `body` with a connection on a pool thread. Throws the body's error, or a PostgresError
    /// when no connection can be opened.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let job = Job(body: { conn in c.resume(with: Result { try body(conn) }) }, fail: { c.resume(throwing: $0) })
            if !jobs.push(job, policy: .drop) {
                c.resume(throwing: PostgresError(operation: "queue query", message: "too many queries waiting",
                                                 sqlState: nil, connectionLost: false))
            }
        }
    }

    /// Stops the threads after the queued jobs.
    package func shutdown() {
        jobs.close()
        done.wait()
    }

    private func work() {
        var connection: PostgresConnection?
        while let batch = jobs.popBatch(max: 1) {
            for job in batch {
                do {
                    let conn: PostgresConnection
                    if let connection { conn = connection } else {
                        conn = try PostgresConnection(url)
                        try prepare(conn)
                        connection = conn
                    }
                    job.body(conn)
                    if !conn.isConnected { connection = nil }
                } catch {
                    connection = nil
                    job.fail(error)
                }
            }
        }
    }
}
