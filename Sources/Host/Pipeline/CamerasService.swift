import Foundation
import Logging
import ServiceLifecycle

/// Runs every camera loop on its own thread. Ends when asked to shut down, or — with
/// `exitWhenDone` — once every file camera has reached its end.
package final class CamerasService: Service, @unchecked Sendable {
    package let loops: [CameraLoop]
    private let exitWhenDone: Bool
    private let logger: Logger

    package init(loops: [CameraLoop], exitWhenDone: Bool, logger: Logger) {
        self.loops = loops; self.exitWhenDone = exitWhenDone; self.logger = logger
    }

    package func run() async throws {
        let group = DispatchGroup()
        for loop in loops {
            group.enter()
            let thread = Thread { loop.run(); group.leave() }
            thread.name = "camera-\(loop.camera.id)"
            thread.start()
        }
        let allDone: @Sendable () async -> Void = {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                group.notify(queue: .global()) { c.resume() }
            }
        }
        if exitWhenDone {
            await withGracefulShutdownHandler { await allDone() } onGracefulShutdown: { [loops] in
                loops.forEach { $0.stop() }
            }
            logger.info("All cameras finished")
        } else {
            try? await gracefulShutdown()
            loops.forEach { $0.stop() }
            await allDone()
        }
    }
}
