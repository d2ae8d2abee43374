import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPostgres
import VigilRedisClient
import VigilRouter

/// What `vigil tail` does: subscribe first, then (with `since`) print what PostgreSQL holds after
/// that id, then print live messages, dropping those at or below the last id printed — so the
/// history and the live part meet without a gap or a duplicate. After Redis comes back, events
/// published meanwhile are read from PostgreSQL the same way (when DATABASE_URL is set).
final class EventTail: Sendable {
    struct Filter: Sendable {
        var camera: String?
        var type: String?
        func admits(camera c: String?, type t: String?) -> Bool {
            (camera == nil || camera == c) && (type == nil || type == t)
        }
    }

    private enum Input: Sendable { case message(RedisMessage), resubscribed }

    private let client: RedisClient
    private let channel: String
    private let databaseURL: String?
    private let filter: Filter
    private let printer: TailPrinter
    private let logger: Logger
    /// History shows plates as they are published (`PLATE_PUBLISH`), decrypted with these keys.
    private let plates: (vault: PlateVault?, view: PlateView)

    init(client: RedisClient, channel: String, databaseURL: String?, filter: Filter, printer: TailPrinter, logger: Logger,
         plates: (vault: PlateVault?, view: PlateView) = (nil, .plain)) {
        self.client = client; self.channel = channel; self.databaseURL = databaseURL
        self.filter = filter; self.printer = printer; self.logger = logger; self.plates = plates
    }

    /// Runs until cancelled (Ctrl+C); disconnects on the way out.
    func run(since: Int64?) async throws {
        try await client.connect()
        let (inputs, feed) = AsyncStream<Input>.makeStream()
        do {
            let subscription = try await client.subscribe(channels: [channel]) { feed.yield(.resubscribed) }
            let forward = Task {
                for await message in subscription { feed.yield(.message(message)) }
                feed.finish()
            }
            defer { forward.cancel() }
            logger.info("Tail subscribed", metadata: ["redis.channel": "\(channel)"])
            var last = since ?? Int64.min
            if let since { last = try await printHistory(after: since) }
            for await input in inputs {
                switch input {
                case .resubscribed:
                    guard databaseURL != nil, last != Int64.min else { continue }
                    do { last = try await printHistory(after: last) } catch {
                        logger.warning("Tail could not read the events missed while Redis was away from PostgreSQL",
                                       metadata: ["error": "\(error)"])
                    }
                case .message(let message):
                    let event = TailPrinter.Fields(payload: message.payload)
                    if let id = event.id {
                        if id <= last { continue }
                        last = id
                    }
                    if filter.admits(camera: event.camera, type: event.type) { printer.print(message.payload, event) }
                }
            }
            await subscription.close()
        } catch {
            await client.disconnect()
            throw error
        }
        await client.disconnect()
        try Task.checkCancellation()
    }

    /// Prints the events PostgreSQL holds after `id`, in id order (on a thread of its own: libpq
    /// blocks); returns the last id read.
    private func printHistory(after id: Int64) async throws -> Int64 {
        guard let databaseURL else { return id }
        let filter = self.filter, printer = self.printer, plates = self.plates
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    let db = try PostgresConnection(databaseURL)
                    var last = id
                    while true {
                        let rows = try EventStore.read(after: last, limit: 1000, from: db, plates: plates.vault, view: plates.view)
                        for row in rows {
                            let json = row.event.json
                            let fields = TailPrinter.Fields(payload: json)
                            if filter.admits(camera: fields.camera, type: fields.type) { printer.print(json, fields) }
                            last = fields.id ?? last
                        }
                        if rows.count < 1000 { break }
                    }
                    continuation.resume(returning: last)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }
}
