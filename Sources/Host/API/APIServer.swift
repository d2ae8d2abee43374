import Foundation
import HostMetrics
import Hummingbird
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
        router.get("/openapi.json", use: OpenAPIController(repository: repository, version: options.version,
                                                           bearerToken: options.token?.isEmpty == false).document)
        return router
    }

    /// The application, a Service for the ServiceGroup. `onRunning` gets the bound port.
    package static func build(options: Options, pool: DatabasePool, view: ServiceView, metrics: VigilMetrics, logger: Logger,
                      onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = buildRouter(options: options, repository: EventRepository(pool: pool, plates: options.plateAccess), view: view,
                                 metrics: metrics)
        var apiLogger = logger
        apiLogger[metadataKey: "component"] = "api"
        return Application(router: router,
                           configuration: .init(address: .hostname(options.host, port: options.port), serverName: "vigil"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
                           logger: apiLogger)
    }
}

/// vigil's own version, reported by the API and `vigil --version`.
enum VigilVersion {
    static let current = "0.5.0"
}
