import Foundation
import HostMetrics
import Hummingbird
import HummingbirdWebSocket
import Logging
import VigilConfig
import VigilRouter

/// The REST API (Hummingbird 2): the seed's event endpoints, status, metrics and OpenAPI.
package enum APIServer {
    /// What the API needs from the service.
    package struct Options: Sendable {
        var host: String
        var port: Int
        var snapshotsDir: String
        /// When set, every /api route requires `Authorization: Bearer <token>`.
        var token: String?
        /// The plate keys: plates are decrypted for requests carrying `token`, redacted when no token is set.
        var plates: PlateVault?
        var version = VigilVersion.current
        /// The Redis channel the live feed (`/api/events/live`) subscribes to (`REDIS_CHANNEL_NAME`).
        package var channel = "events"
        /// The Redis server the live feed subscribes on (nil: the feed has nothing to follow).
        package var liveRedis: RedisAddress?
        /// The most bytes of events that may wait for one live client before it is dropped (1008).
        package var liveBufferBytes = 1 << 20

        package init(host: String = "0.0.0.0", port: Int = 8069, snapshotsDir: String, token: String? = nil,
                     plates: PlateVault? = nil) {
            self.host = host; self.port = port; self.snapshotsDir = snapshotsDir; self.token = token; self.plates = plates
        }

        /// How plates are shown: every /api request carries the token when one is set (the middleware
        /// refuses the others), so they are decrypted; with no token set nobody is entitled, so they are redacted.
        var plateAccess: PlateAccess {
            PlateAccess(vault: plates, view: plates == nil || token?.isEmpty == false ? .plain : .redacted)
        }
    }

    /// The route table, also used by tests without a socket.
    static func buildRouter(options: Options, repository: EventRepository, view: ServiceView,
                            metrics: VigilMetrics) -> Hummingbird.Router<APIRequestContext> {
        let router = Hummingbird.Router(context: APIRequestContext.self)
        router.middlewares.add(JSONErrorMiddleware())
        if let token = options.token, !token.isEmpty { router.middlewares.add(BearerTokenMiddleware(token: Array(token.utf8))) }
        EventsController(repository: repository, snapshotsDir: options.snapshotsDir).addRoutes(to: router.group("api"))
        router.get("/", use: StatusController(repository: repository, view: view, version: options.version).status)
        router.get("/metrics", use: MetricsController(metrics: metrics, view: view).scrape)
        LiveController.addFallback(to: router)
        router.get("/ui", use: PageController().page)
        router.get("/openapi.json", use: OpenAPIController(repository: repository, version: options.version,
                                                           bearerToken: options.token?.isEmpty == false).document)
        return router
    }

    /// The WebSocket routes (`/api/events/live`); the token is checked once upgraded (close code 4401).
    static func buildLiveRouter(options: Options, repository: EventRepository, hub: LiveHub) -> Hummingbird.Router<LiveRequestContext> {
        let router = Hummingbird.Router(context: LiveRequestContext.self)
        let token = options.token.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        LiveController(hub: hub, repository: repository, limitBytes: options.liveBufferBytes, token: token).addRoutes(to: router)
        return router
    }

    /// The application, a Service for the ServiceGroup. `onRunning` gets the bound port. `hub` feeds
    /// the live WebSocket (one made from `view.redis` and `options.channel` when not given).
    package static func build(options: Options, pool: DatabasePool, view: ServiceView, metrics: VigilMetrics, logger: Logger,
                              hub: LiveHub? = nil,
                              onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let repository = EventRepository(pool: pool, plates: options.plateAccess)
        let router = buildRouter(options: options, repository: repository, view: view, metrics: metrics)
        var apiLogger = logger
        apiLogger[metadataKey: "component"] = "api"
        let hub = hub ?? LiveHub(address: options.liveRedis, channel: options.channel, logger: apiLogger,
                                     plates: options.plateAccess)
        let live = buildLiveRouter(options: options, repository: repository, hub: hub)
        return Application(router: router,
                           server: .http1WebSocketUpgrade(webSocketRouter: live,
                                                          configuration: .init(ws: .init(maxFrameSize: 1 << 20, closeTimeout: .seconds(2)))),
                           configuration: .init(address: .hostname(options.host, port: options.port), serverName: "vigil"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
                           logger: apiLogger)
    }
}

/// vigil's own version, reported by the API and `vigil --version`.
enum VigilVersion {
    static let current = "0.5.0"
}
