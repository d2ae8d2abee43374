import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle

/// `GET /api/events/live`: the WebSocket feed of events as they are published, one published
/// JSON event per text message. Query parameters `camera_id` and `event_type` filter it;
/// `since_id` first replays from PostgreSQL the matching events after that id (oldest first,
/// at most `maxReplay`), then goes on live without a gap or a duplicate: the client is
/// registered with the hub (whose subscription is in place) before the query, live events wait
/// in its mailbox meanwhile, and those with ids up to the last replayed are skipped. When the
/// hub resubscribes after losing Redis (`.resync`), the same is done from the last event sent.
///
/// A bad parameter refuses the handshake (400); a missing or wrong token (when `API_TOKEN` is set)
/// is told after the upgrade, by close code 4401, since a browser sees no HTTP status.
/// Close codes: 1000 when vigil shuts down, 4401 for the token, 1008 when the client fell `limitBytes` behind
/// (a slow client is dropped, never allowed to slow the others) or `since_id` is too far back.
struct LiveController: Sendable {
    let hub: LiveHub
    let repository: EventRepository
    /// The most bytes of events that may wait for one client.
    let limitBytes: Int
    /// `API_TOKEN`, when set.
    let token: [UInt8]?
    /// The close code for a missing or wrong token (a browser sees close codes, not HTTP statuses).
    static let unauthorized = WebSocketErrorCode(codeNumber: 4401)
    /// The most events a `since_id` replay sends.
    static let maxReplay = 10_000
    /// How long a dropped client gets to take its close frame before the connection is cut.
    static let closeGrace: TimeAmount = .seconds(2)

    /// The upgrade route, on the WebSocket router.
    func addRoutes(to router: Hummingbird.Router<LiveRequestContext>) {
        router.ws("/api/events/live", shouldUpgrade: { request, _ in
            _ = try LiveController.filter(request.uri.queryParameters)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            if let token, !BearerTokenMiddleware<LiveRequestContext>.authorized(context.request, token: token) {
                try await outbound.close(Self.unauthorized, reason: "token: expected ?token=<API_TOKEN> or Authorization: Bearer <API_TOKEN>")
                return
            }
            let filter = try LiveController.filter(context.request.uri.queryParameters)
            try await serve(filter: filter, inbound: inbound, outbound: outbound, channel: context.requestContext.channel,
                            logger: context.logger)
        })
    }

    /// The same path on the HTTP router: what a request that did not upgrade gets — the
    /// parameter's 400, or 426 for a plain GET.
    static func addFallback<Context: RequestContext>(to router: Hummingbird.Router<Context>) {
        router.get("/api/events/live") { request, _ -> Response in
            _ = try LiveController.filter(request.uri.queryParameters)
            throw APIError(.upgradeRequired, "/api/events/live is a WebSocket: connect with Upgrade: websocket")
        }
    }

    /// Reads and checks the query string.
    static func filter(_ q: Parameters) throws -> LiveFilter {
        LiveFilter(cameraID: try q.get("camera_id").map { try EventQuery.cameraID($0, parameter: "camera_id") },
                   eventType: try q.get("event_type").map { try EventQuery.eventType($0) },
                   sinceID: try q.get("since_id").map { try EventQuery.int($0, "since_id", 0...Int(Int32.max)) })
    }

    private func serve(filter: LiveFilter, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
                       channel: any Channel, logger: Logger) async throws {
        let hub = self.hub
        let client = LiveClient(filter: filter, limitBytes: limitBytes, onOverflow: {
            hub.noteDropped()
            // The polite close waits behind what the client has not read; cut it off if it stays stuck.
            channel.eventLoop.scheduleTask(in: Self.closeGrace) { channel.close(promise: nil) }
        })
        hub.add(client)
        defer { hub.remove(client) }
        if !(await hub.waitSubscribed(timeout: 2)) {
            logger.warning("Live client joins while Redis is unreachable; it gets events once the feed resubscribes")
        }
        var closeReason: String?
        // vigil stopping: end the feed, so that the library's close (1000) follows.
        try await withGracefulShutdownHandler {
          try await withThrowingTaskGroup(of: Void.self) { group in
            // The client's own messages are not used; reading them notices when it leaves.
            group.addTask {
                for try await _ in inbound {}
                client.finish()
            }
            var last: Int64? = filter.sinceID.map(Int64.init)
            if let since = last {
                let r = try await replay(after: since, client: client, outbound: outbound)
                closeReason = r.closeReason; last = r.last
            }
            while closeReason == nil, let delivery = await client.next() {
                switch delivery {
                case .event(let event):
                    try await outbound.write(.text(event.json))
                    last = max(last ?? event.id, event.id)
                case .resync:  // Redis came back: what was published meanwhile, from PostgreSQL
                    if let since = last {
                        let r = try await replay(after: since, client: client, outbound: outbound)
                        closeReason = r.closeReason; last = r.last
                    } else {
                        client.release(after: 0)
                    }
                }
            }
            client.finish()
            group.cancelAll()
          }
        } onGracefulShutdown: {
            client.finish()
        }
        if client.overflowed { closeReason = "slow client: more than \(limitBytes) bytes of events waiting" }
        if let closeReason {
            logger.info("Live client dropped", metadata: ["reason": "\(closeReason)"])
            try await outbound.close(.policyViolation, reason: closeReason)
        }
    }

    /// Sends the events after `since` from PostgreSQL, then lets the live ones through; a reason
    /// to close instead when there are more than `maxReplay`. Returns the last id sent.
    private func replay(after since: Int64, client: LiveClient,
                        outbound: WebSocketOutboundWriter) async throws -> (closeReason: String?, last: Int64) {
        var last = since
        var sent = 0
        while !client.isFinished {
            let page = try await repository.events(after: last, filter: client.filter, limit: 500)
            for row in page { try await outbound.write(.text(String(decoding: row.json, as: UTF8.self))) }
            sent += page.count
            last = page.last?.id ?? last
            if page.count < 500 { break }
            if sent >= Self.maxReplay {
                client.finish()
                return ("since_id: more than \(Self.maxReplay) events to replay; page through /api/events instead", last)
            }
        }
        client.release(after: last)
        return (nil, last)
    }
}
