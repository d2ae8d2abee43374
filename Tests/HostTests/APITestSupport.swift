import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import HostMetrics
import Hummingbird
import Logging
import PluginAPI
import ServiceLifecycle
@testable import VigilAPI
@testable import VigilConfig
@testable import VigilRouter
import XCTest

/// The REST API on a real socket (127.0.0.1, a free port) over the test's real PostgreSQL.
final class APIFixture: @unchecked Sendable {
    let port: Int
    let snapshotsDir: String
    let metrics: VigilMetrics
    /// The live feed's hub (on `liveChannel` of the test's Redis).
    let hub: LiveHub
    private let group: ServiceGroup
    private let pool: DatabasePool
    private let task: Task<Void, any Error>

    init(token: String? = nil, view: ServiceView = ServiceView(), metrics: VigilMetrics = VigilMetrics(),
         snapshotsDir: String? = nil, plates: PlateVault? = nil, liveChannel: String = "events",
         liveBufferBytes: Int = 1 << 20) async throws {
        self.metrics = metrics
        let services = try TestSupport.services()
        var logger = Logger(label: "api-test")
        logger.logLevel = .warning
        self.snapshotsDir = snapshotsDir ?? TestSupport.tempDir("snapshots") + "/snapshots"
        try FileManager.default.createDirectory(atPath: self.snapshotsDir, withIntermediateDirectories: true)
        pool = DatabasePool(url: services.database, size: 2, prepare: EventRepository.prepare)
        let ready = AsyncStream<Int>.makeStream()
        var options = APIServer.Options(host: "127.0.0.1", port: 0, snapshotsDir: self.snapshotsDir, token: token, plates: plates)
        options.channel = liveChannel
        options.liveBufferBytes = liveBufferBytes
        hub = LiveHub(address: try RedisAddress(url: services.redis), channel: liveChannel, logger: logger,
                      plates: options.plateAccess)
        let app = APIServer.build(options: options, pool: pool, view: view, metrics: metrics, logger: logger, hub: hub,
                                  onRunning: { ready.continuation.yield($0) })
        group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        task = Task { [group] in try await group.run() }
        var it = ready.stream.makeAsyncIterator()
        guard let port = await it.next() else { throw NSError(domain: "api", code: 1) }
        self.port = port
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
        pool.shutdown()
    }

    /// GET `path` (with its query); returns status, content type and body.
    func get(_ path: String, token: String? = nil) async throws -> (status: Int, type: String, body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type") ?? "", data)
    }

    /// GET and parse JSON.
    func json(_ path: String, token: String? = nil) async throws -> (status: Int, value: JSONValue) {
        let r = try await get(path, token: token)
        return (r.status, try JSONValue(parsing: String(decoding: r.body, as: UTF8.self)))
    }
}

extension RouterFixture {
    /// Saves `events` through the real router and waits until they are in PostgreSQL.
    func save(_ events: [NewEvent]) throws {
        router.start()
        for e in events { XCTAssertTrue(router.submit(e)) }
        router.shutdown()
    }
}
