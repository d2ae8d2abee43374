import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PluginAPI
import ServiceLifecycle
import VigilConfig
import VigilPlugins
import VigilRouter
import VigilSinks
import VigilSupport

/// `vigil bench webhook`: the real libWebhook.so, through the host's sink runner, delivering
/// signed events to a local HTTP endpoint (Hummingbird, in this process) over kept-alive connections.
struct WebhookBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Deliver N events to a local endpoint through libWebhook.so; print events/s.")

    @Option(help: "Events to deliver.") var events = 20_000
    @Option(help: "Deliveries in flight at once (the sink's delivery.concurrency and max_connections).") var concurrency = 8

    func run() async throws {
        var logger = LogSetup.rootLogger()
        logger.logLevel = .warning
        let received = Counter()
        let router = Hummingbird.Router()
        router.post("/hook") { request, _ -> Response in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 20)
            received.add()
            return Response(status: .noContent)
        }
        let ports = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { ports.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let server = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let serverTask = Task { try await server.run() }
        var it = ports.stream.makeAsyncIterator()
        guard let port = await it.next() else { throw ValidationError("the endpoint did not start") }

        setenv("VIGIL_BENCH_WEBHOOK_SECRET", "whsec_" + Data("bench-secret-0123456789".utf8).base64EncodedString(), 1)
        let config = try HostConfig.parse("""
            {"sinks": [{"name": "bench", "library": "libWebhook.so",
              "delivery": {"concurrency": \(concurrency), "queue_capacity": \(events)},
              "config": {"url": "http://127.0.0.1:\(port)/hook", "secret_env": "VIGIL_BENCH_WEBHOOK_SECRET", "max_connections": \(concurrency)}}]}
            """, file: "bench", baseDir: FileManager.default.currentDirectoryPath, environment: [:])
        let plugins = PluginSet.load(config)
        if let failure = plugins.failures.first { throw ValidationError("\(failure)") }
        let stats = RouterStats()
        guard let runner = SinksService.make(config: config, plugins: plugins, settings: try Settings([:]), logger: logger, stats: stats).first else {
            throw ValidationError("the webhook sink did not start (see the log)")
        }
        runner.queue.start(at: 0)
        _ = runner.queue.finishCatchUp()  // live from the start: no PostgreSQL in this bench
        let workers = Task { await runner.runWorkers() }

        let sample = StoredEvent(publishedJSON: """
            {"id": 1, "event_type": "tracking", "camera_id": "camera-01", "timestamp": "2024-10-11T12:34:56.789Z", "frame_number": 1234, "snapshot_path": "snapshots/2024-10-11/camera-01/detection_1234_1728649696.png", "event_data": {"track_id": 7, "tracking_action": "entered", "class_name": "person", "confidence": 0.91, "bounding_box": {"x": 0.1, "y": 0.2, "width": 0.3, "height": 0.4}, "dwell_time_seconds": 0.0, "model_info": {"model_type": "yolo", "version": "8"}}, "created_at": "2024-10-11T12:34:56.789123"}
            """)!
        let batch = (1...events).map { i in
            StoredEvent(id: Int64(i), type: sample.type, cameraID: sample.cameraID, frameNumber: i, timestamp: sample.timestamp,
                        snapshotPath: sample.snapshotPath, data: sample.data, createdAt: sample.createdAt,
                        json: sample.json.replacingOccurrences(of: "{\"id\": 1,", with: "{\"id\": \(i),"))
        }
        let start = DispatchTime.now().uptimeNanoseconds
        runner.offer(batch)
        while stats["sink.bench.delivered"] + stats["sink.bench.dead_lettered"] < events {
            try await Task.sleep(for: .milliseconds(5))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        runner.queue.close()
        await workers.value
        await runner.closeSink()
        await server.triggerGracefulShutdown()
        _ = await serverTask.result
        print(String(format: "webhook events=%d delivered=%d received=%d events_per_s=%.0f concurrency=%d retries=%d",
                     events, stats["sink.bench.delivered"], received.value, Double(stats["sink.bench.delivered"]) / seconds,
                     concurrency, stats["sink.bench.retries"]))
    }

    /// A thread-safe counter.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.lock(); n += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }
}
