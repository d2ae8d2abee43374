import Foundation
import Logging
import ServiceLifecycle
import VigilPipeline
import VigilRedisClient
import VigilRouter

/// Work queues across hosts (`redis-queue://<list>` camera sources). Each list gets a consumer;
/// every `lease / 5` the service renews this host's lease and reaps: the jobs in the processing
/// list of a host whose lease expired (it died) go back to the queue. Exactly-once saving does
/// not rest on the lease: a job run twice (a slow host reaped by mistake, a host killed after its
/// commit) is saved once thanks to its claim in PostgreSQL (see `QueueJob`).
///
/// At shutdown: stop taking jobs, wait for the router's word on those handed over, put back
/// whatever is left in this host's processing lists, give up the lease.
package final class WorkQueueService: Service, Sendable {
    private let consumers: [WorkQueueConsumer]
    private let cameras: [QueueCamera]
    private let client: RedisClient
    private let lease: Duration
    private let host: String
    private let logger: Logger

    /// - Parameters:
    ///   - host: this process's id in the queues (`VIGIL_HOST_ID`, default host name, pid and a random suffix).
    ///   - lease: how long a silent host keeps its jobs (`WORK_QUEUE_LEASE_SECONDS`, default 10 s).
    package init(cameras: [QueueCamera], client: RedisClient, router: Router, host: String, lease: Duration, logger: Logger) {
        var logger = logger
        logger[metadataKey: "host.id"] = "\(host)"
        var byQueue: [String: [QueueCamera]] = [:]
        for camera in cameras {
            guard let queue = camera.queueName else {
                logger.error("Camera not started: redis-queue:// names no list", metadata: ["camera.id": "\(camera.camera.id)"])
                continue
            }
            byQueue[queue, default: []].append(camera)
        }
        consumers = byQueue.sorted { $0.key < $1.key }.map { queue, cameras in
            WorkQueueConsumer(keys: WorkQueueKeys(queue: queue, host: host), cameras: cameras, client: client, router: router,
                              logger: logger)
        }
        self.cameras = cameras; self.client = client; self.lease = lease; self.host = host; self.logger = logger
    }

    /// The queue cameras' ids and their images per second, for the status cache.
    package var cameraStatuses: [(id: String, fps: Double)] { cameras.map { ($0.camera.id, $0.fps) } }

    /// The default host id: host name, process id and a random suffix (a restarted vigil is a new host).
    package static func defaultHostID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(String(UInt32.random(in: 0..<UInt32.max), radix: 36))"
    }

    package func run() async throws {
        guard !consumers.isEmpty else { try? await gracefulShutdown(); return }
        let keepAlive = Task { await leaseAndReap() }
        consumers.forEach { $0.start() }
        logger.info("Work queues started", metadata: ["queues": "\(consumers.map(\.keys.queue))",
                                                      "lease_s": "\(lease.components.seconds)"])
        try? await gracefulShutdown()
        consumers.forEach { $0.stop() }
        for consumer in consumers {
            let unanswered = await consumer.drain(seconds: 10)
            if unanswered > 0 { logger.warning("Work-queue jobs still unanswered at shutdown", metadata: ["jobs": "\(unanswered)"]) }
        }
        keepAlive.cancel()
        _ = await keepAlive.value
        for consumer in consumers {
            let keys = consumer.keys
            do {
                let back = try await keys.requeueAll(of: host, client)
                _ = try await client.delete([keys.alive])
                try await client.send("SREM", keys.hosts, host)
                let t = consumer.totals
                logger.info("Work queue stopped", metadata: [
                    "queue.name": "\(keys.queue)", "jobs.done": "\(t.done)", "jobs.already_saved": "\(t.duplicates)",
                    "jobs.failed": "\(t.failed)", "jobs.requeued": "\(t.requeued + back)"])
            } catch {
                logger.error("Work queue not handed back cleanly; its jobs return when its lease expires",
                             metadata: ["queue.name": "\(keys.queue)", "error": "\(error)"])
            }
        }
        cameras.forEach { $0.finish() }
    }

    /// Renews the lease and reaps dead hosts until cancelled.
    private func leaseAndReap() async {
        var failing = false
        while !Task.isCancelled {
            for keys in consumers.map(\.keys) {
                do {
                    try await keys.heartbeat(client, lease: lease)
                    for dead in try await keys.deadHosts(client) {
                        let moved = try await keys.requeueAll(of: dead, client)
                        try await client.send("SREM", keys.hosts, dead)
                        logger.warning("Work queue: a host's lease expired; its jobs are back in the queue", metadata: [
                            "queue.name": "\(keys.queue)", "dead_host.id": "\(dead)", "jobs": "\(moved)"])
                    }
                    failing = false
                } catch {
                    if !failing { logger.warning("Work queue lease not renewed", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
            try? await Task.sleep(for: lease / 5)
        }
    }
}
