import ArgumentParser
import Foundation
import HostMetrics
import Logging
import ServiceLifecycle
import VigilAPI
import VigilConfig
import VigilCurl
import VigilPostgres
import VigilRouter
import VigilSupport

/// `vigil bench api`: the REST API over a large events table, timed by a real HTTP client.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Fill the events table to N rows (once) and time the API's list, stats and by-id requests.")

    @Option(help: "Events the table should hold (bench rows are added until it does).") var events = 1_000_000
    @Option(help: "Requests per measured route.") var requests = 1000

    func run() async throws {
        let settings = try Settings.load()
        guard let url = settings.databaseURL else { throw ValidationError("DATABASE_URL is not set (run through scripts/with-services.sh)") }
        var logger = LogSetup.rootLogger()
        logger.logLevel = .warning
        let db = try PostgresConnection(url)
        try EventRepository.prepare(db)  // the API's session settings, so the plan printed is the API's
        try fill(db, logger: logger)

        let pool = DatabasePool(url: url, size: 4, prepare: EventRepository.prepare)
        let ports = AsyncStream.makeStream(of: Int.self)
        let app = APIServer.build(options: .init(host: "127.0.0.1", port: 0, snapshotsDir: settings.snapshotsDir),
                                  pool: pool, view: ServiceView(), metrics: VigilMetrics(), logger: logger,
                                  onRunning: { ports.continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task { try await group.run() }
        var it = ports.stream.makeAsyncIterator()
        guard let port = await it.next() else { throw ValidationError("the API did not start") }
        let client = try CurlClient(maxConnections: 1)
        let base = "http://127.0.0.1:\(port)"

        let maxID = Int(try db.query("SELECT max(id) FROM events", [])[0, 0] ?? "1") ?? 1
        let list = try await time(client, requests) { i in "\(base)/api/events?camera_id=bench-cam-\(i % 8)&page_size=50" }
        let deep = try await time(client, requests / 4) { i in
            "\(base)/api/events?camera_id=bench-cam-\(i % 8)&event_type=motion&page=\(1 + i % 20)&page_size=50" }
        let ranged = try await time(client, requests / 4) { i in
            "\(base)/api/events?camera_id=bench-cam-\(i % 8)&start_time=\(Self.hoursAgo(30 + i % 10, minute: 17))&end_time=\(Self.hoursAgo(6, minute: 41))" }
        let byID = try await time(client, requests) { i in "\(base)/api/events/\(1 + (i * 7919) % maxID)" }
        let stats = try await time(client, max(20, requests / 20)) { _ in "\(base)/api/events/stats" }
        client.shutdown()
        await group.triggerGracefulShutdown()
        _ = await server.result
        pool.shutdown()

        let plan = try db.query("""
            EXPLAIN SELECT \(EventStore.eventColumns) FROM events WHERE camera_id = $1 ORDER BY timestamp DESC, id DESC LIMIT 50
            """, ["bench-cam-3"])
        print("plan (list by camera): " + (0..<plan.count).compactMap { plan[$0, 0]?.trimmingCharacters(in: .whitespaces) }.joined(separator: " | "))
        let total = Int(try db.query("SELECT count(*) FROM events", [])[0, 0] ?? "0") ?? 0
        for (name, t) in [("list camera page 1", list), ("list camera+type pages 1-20", deep), ("list camera + time range", ranged),
                          ("event by id", byID), ("stats", stats)] {
            print(String(format: "%@: n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f", name, t.count, t.p(0.5), t.p(0.99), t.p(1)))
        }
        print(String(format: "api events=%d list_p50_ms=%.2f list_p99_ms=%.2f stats_p50_ms=%.2f stats_p99_ms=%.2f id_p99_ms=%.2f",
                     total, list.p(0.5), list.p(0.99), stats.p(0.5), stats.p(0.99), byID.p(0.99)))
    }

    /// `YYYY-MM-DDTHH:MM:00Z`, `hours` ago.
    static func hoursAgo(_ hours: Int, minute: Int) -> String {
        let t = Date().addingTimeInterval(-Double(hours) * 3600)
        var iso = EventJSON.isoMillisZ(.init(secondsSince1970: t.timeIntervalSince1970))
        iso.replaceSubrange(iso.index(iso.startIndex, offsetBy: 14)..., with: String(format: "%02d:00Z", minute))
        return iso
    }

    /// Adds bench rows (8 cameras, 3 types, 4 per second back from now) until the table holds `events`.
    private func fill(_ db: PostgresConnection, logger: Logger) throws {
        var have = Int(try db.query("SELECT count(*) FROM events", [])[0, 0] ?? "0") ?? 0
        guard have < events else { return }
        let start = Date()
        while have < events {
            let n = min(100_000, events - have)
            try db.query("""
                INSERT INTO events (event_type, camera_id, timestamp, frame_number, snapshot_path, event_data)
                SELECT (ARRAY['motion', 'tracking', 'anpr'])[1 + i % 3], 'bench-cam-' || (i % 8),
                       (now() AT TIME ZONE 'UTC') - (i * interval '250 milliseconds'), i, NULL,
                       jsonb_build_object('motion_intensity', round((i % 100) / 100.0, 2), 'affected_area_percentage', 3.25, 'seq', i)
                FROM generate_series($1::int, $2::int) AS i
                """, [String(have), String(have + n - 1)], operation: "fill bench events")
            have += n
            FileHandle.standardError.write(Data("filled \(have) events\n".utf8))
        }
        try db.execute("VACUUM ANALYZE events")
        print(String(format: "fill: %d events in %.1f s (then VACUUM ANALYZE)", have, Date().timeIntervalSince(start)))
    }

    struct Timings {
        var ms: [Double]
        var count: Int { ms.count }
        func p(_ q: Double) -> Double { ms.isEmpty ? 0 : ms[min(ms.count - 1, Int(Double(ms.count - 1) * q))] }
    }

    /// Sends `n` GETs one after another on one kept-alive connection; fails on any non-200.
    private func time(_ client: CurlClient, _ n: Int, _ url: (Int) -> String) async throws -> Timings {
        _ = try await client.send(HTTPRequest(method: "GET", url: url(0)))  // warm the connection
        var ms: [Double] = []
        for i in 0..<n {
            let start = DispatchTime.now().uptimeNanoseconds
            let response = try await client.send(HTTPRequest(method: "GET", url: url(i)))
            ms.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            guard response.status == 200 else {
                throw ValidationError("\(url(i)) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
            }
        }
        return Timings(ms: ms.sorted())
    }
}
