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

/// `vigil bench api`: the REST API over a large events table, timed by a real HTTP client; then
/// the list route while events pour in (the real router saving `--ingest-rate` events/s over four
/// cameras) at each of `--clients` concurrent clients. Answers are checked, rows are counted in
/// PostgreSQL.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Fill the events table to N rows (once), time the API's routes, then the list route under live ingest.")

    @Option(help: "Events the table should hold (bench rows are added until it does).") var events = 1_000_000
    @Option(help: "Requests per measured route (one client).") var requests = 1000
    @Option(help: "Events per second saved while the list route is measured under ingest (0: skip that part).")
    var ingestRate = 1000.0
    @Option(help: "Concurrent clients for the part under ingest, comma-separated.") var clients = "1,8,50"
    @Option(help: "Seconds per client count under ingest.") var seconds = 10.0

    func run() async throws {
        let settings = try Settings.load()
        guard let url = settings.databaseURL else { throw ValidationError("DATABASE_URL is not set (run through scripts/with-services.sh)") }
        var logger = LogSetup.rootLogger()
        logger.logLevel = .warning
        let clientCounts = clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !clientCounts.isEmpty, clientCounts.allSatisfy({ $0 > 0 }) else { throw ValidationError("--clients: expected e.g. 1,8,50") }
        let db = try Database(url: url, timeouts: .none).connect()   // the schema, and no time limit for the fill
        try EventRepository.prepare(db)  // the API's session settings, so the plan printed is the API's
        try fill(db, logger: logger)
        let perCamera = try db.query("SELECT camera_id, count(*) FROM events WHERE camera_id LIKE 'bench-cam-%' GROUP BY 1", [])
        guard perCamera.count == 8, (0..<8).allSatisfy({ (Int(perCamera[$0, 1] ?? "0") ?? 0) >= 50 }) else {
            throw ValidationError("the bench rows are missing: \(perCamera.count) of 8 bench cameras hold 50 events or more")
        }

        let pool = DatabasePool(url: url, size: settings.apiDatabaseConnections, prepare: EventRepository.prepare)
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
        let list = try await time(client, requests, { i in "\(base)/api/events?camera_id=bench-cam-\(i % 8)&page_size=50" },
                                  check: { i, body in APILoad.checkList(camera: "bench-cam-\(i % 8)", pageSize: 50, body) })
        let deep = try await time(client, requests / 4) { i in
            "\(base)/api/events?camera_id=bench-cam-\(i % 8)&event_type=motion&page=\(1 + i % 20)&page_size=50" }
        let ranged = try await time(client, requests / 4) { i in
            "\(base)/api/events?camera_id=bench-cam-\(i % 8)&start_time=\(Self.hoursAgo(30 + i % 10, minute: 17))&end_time=\(Self.hoursAgo(6, minute: 41))" }
        let byID = try await time(client, requests, { i in "\(base)/api/events/\(1 + (i * 7919) % maxID)" }, check: { i, body in
            let id = 1 + (i * 7919) % maxID
            return body.starts(with: Array("{\"id\": \(id),".utf8)) ? nil : "not event \(id)"
        })
        let stats = try await time(client, max(20, requests / 20)) { _ in "\(base)/api/events/stats" }
        client.shutdown()

        var underIngest: [(clients: Int, result: APILoad.Result)] = []
        var ingested = (rows: 0, perSecond: 0.0)
        if ingestRate > 0 {
            let ingest = try BenchIngest(rate: ingestRate, databaseURL: url, settings: settings, logger: logger)
            ingest.start()
            try await Task.sleep(for: .seconds(3))  // every camera holds a page of events by then
            for c in clientCounts {
                let cameras = ingest.cameras
                let load = APILoad(clients: c, seconds: seconds)
                let result = try await load.run(url: { client, n in
                    "\(base)/api/events?camera_id=\(cameras[(client + n) % cameras.count])&page_size=50"
                }, check: { target, body in
                    let camera = cameras.first { target.contains("=\($0)&") } ?? ""
                    return APILoad.checkList(camera: camera, pageSize: 50, body)
                })
                underIngest.append((c, result))
            }
            ingested = try ingest.stop()
        }
        await group.triggerGracefulShutdown()
        _ = await server.result
        pool.shutdown()

        let plan = try db.query("""
            EXPLAIN SELECT \(PublishedRow.columns) FROM events WHERE camera_id = $1 ORDER BY timestamp DESC, id DESC LIMIT 50
            """, ["bench-cam-3"])
        print("plan (list by camera): " + (0..<plan.count).compactMap { plan[$0, 0]?.trimmingCharacters(in: .whitespaces) }.joined(separator: " | "))
        let total = Int(try db.query("SELECT count(*) FROM events", [])[0, 0] ?? "0") ?? 0
        for (name, t) in [("list camera page 1", list), ("list camera+type pages 1-20", deep), ("list camera + time range", ranged),
                          ("event by id", byID), ("stats", stats)] {
            print(String(format: "%@: n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f", name, t.count, t.p(0.5), t.p(0.99), t.p(1)))
        }
        for (c, r) in underIngest {
            print(String(format: "list under ingest: ingest_events_per_s=%.0f clients=%d requests=%d req_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f failures=%d",
                         ingested.perSecond, c, r.count, r.perSecond, r.p(0.5), r.p(0.99), r.p(1), r.failures.count))
            r.failures.prefix(3).forEach { print("  failure: \($0)") }
        }
        let last = underIngest.last
        print(String(format: "api events=%d list_p50_ms=%.2f list_p99_ms=%.2f stats_p50_ms=%.2f stats_p99_ms=%.2f id_p99_ms=%.2f ingest_events_per_s=%.0f ingest_clients=%d ingest_list_per_s=%.0f ingest_list_p99_ms=%.2f",
                     total, list.p(0.5), list.p(0.99), stats.p(0.5), stats.p(0.99), byID.p(0.99), ingested.perSecond,
                     last?.clients ?? 0, last?.result.perSecond ?? 0, last?.result.p(0.99) ?? 0))
        if underIngest.contains(where: { !$0.result.failures.isEmpty }) { throw ExitCode.failure }
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

    /// Sends `n` GETs one after another on one kept-alive connection; fails on any non-200 or any
    /// answer `check` finds wrong (checked after its time is taken).
    private func time(_ client: CurlClient, _ n: Int, _ url: (Int) -> String,
                      check: (Int, [UInt8]) -> String? = { _, _ in nil }) async throws -> APILoad.Result {
        _ = try await client.send(HTTPRequest(method: "GET", url: url(0)))  // warm the connection
        var ms: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<n {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let response = try await client.send(HTTPRequest(method: "GET", url: url(i)))
            ms.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            guard response.status == 200 else {
                throw ValidationError("\(url(i)) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
            }
            if let problem = check(i, response.body) { throw ValidationError("\(url(i)): \(problem)") }
        }
        return APILoad.Result(ms: ms.sorted(), seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, failures: [])
    }
}
