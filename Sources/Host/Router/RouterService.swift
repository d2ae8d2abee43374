import Foundation
import ServiceLifecycle

/// Runs the router's threads for the life of the service; on shutdown saves and publishes
/// everything still queued before returning.
package struct RouterService: Service {
    let router: Router

    package init(router: Router) { self.router = router }

    package func run() async throws {
        router.start()
        try? await gracefulShutdown()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread { router.shutdown(); c.resume() }.start()
        }
    }
}
