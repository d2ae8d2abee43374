import Hummingbird
import Logging
import ServiceLifecycle

/// Runs the REST API inside the service group. If it cannot start (the port is taken, say) that is
/// logged as critical and the rest of vigil keeps running: cameras, saving and publishing matter more.
package struct APIService<App: ApplicationProtocol>: Service {
    let app: App
    let logger: Logger

    package init(app: App, logger: Logger) { self.app = app; self.logger = logger }

    package func run() async throws {
        do {
            try await app.run()
        } catch {
            logger.critical("REST API stopped; cameras, router and sinks keep running", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
        }
    }
}
