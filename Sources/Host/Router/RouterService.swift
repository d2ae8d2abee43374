import Foundation
import ServiceLifecycle

/// Runs the router's threads for the life of the service; on shutdown saves and publishes
/// everything still queued before returning.
struct RouterService: Service {
    let router: Router

    func run() async throws {
        router.start()
        try? await gracefulShutdown()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread { router.shutdown(); c.resume() }.start()
        }
    }
}
