import Foundation
@testable import HostMetrics
import VigilPostgres
@testable import VigilRouter
import XCTest

/// One door to PostgreSQL: the schema is made and migrated once, in one place, with a version table;
/// connections get vigil's timeouts. And the counters behind /metrics are typed, declared at 0.
final class DatabaseDoorTests: XCTestCase {
    /// A new, empty database on the test's server; dropped at the end.
    func freshDatabase() throws -> (url: String, drop: () -> Void) {
        let services = try TestSupport.services()
        let name = "door_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresConnection(services.database)
        try admin.execute("CREATE DATABASE \(name)")
        var parts = URLComponents(string: services.database)!
        parts.path = "/\(name)"
        return (parts.string!, { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    func testAFreshDatabaseIsMigratedOnceToTheLatestVersion() throws {
        let (url, drop) = try freshDatabase()
        defer { drop() }
        let database = Database(url: url)
        let first = try database.connect()
        XCTAssertTrue(database.migrated)
        let versions = try first.query("SELECT version FROM vigil_schema_version ORDER BY version", [])
        XCTAssertEqual((0..<versions.count).map { Int(versions[$0, 0]!)! }, Array(1...Migrations.latest))
        let tables = try first.query("""
            SELECT count(*) FROM pg_tables WHERE tablename IN
              ('events', 'vigil_outbox', 'vigil_spool', 'vigil_sink_position', 'vigil_event_counts', 'vigil_writer')
            """, [])
        XCTAssertEqual(tables[0, 0], "6")
        // A second start finds nothing to do; so does a second process racing the first.
        XCTAssertEqual(try Migrations.run(first), [])
        let other = Database(url: url)
        let failures = LockedCount()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in if (try? other.connect()) == nil { failures.add() } }
        XCTAssertEqual(failures.value, 0)
        XCTAssertEqual(try first.query("SELECT count(*) FROM vigil_schema_version", [])[0, 0], String(Migrations.latest))
    }

    func testADatabaseFromBeforeTheVersionTableIsAdopted() throws {
        let (url, drop) = try freshDatabase()
        defer { drop() }
        let db = try PostgresConnection(url)
        try db.execute(Migrations.baseSchema)
        try db.execute("INSERT INTO events (event_type, camera_id, timestamp, frame_number, event_data) VALUES ('motion', 'old', now(), 1, '{}')")
        _ = try Database(url: url).connect()
        XCTAssertEqual(try db.query("SELECT sum(n) FROM vigil_event_counts WHERE camera_id = 'old'", [])[0, 0], "1",
                       "the counts are filled from the rows already there")
        XCTAssertEqual(try db.query("SELECT count(*) FROM events", [])[0, 0], "1")
    }

    func testConnectionsCarryTheTimeouts() throws {
        let conn = try Database(url: try TestSupport.services().database).connect()
        XCTAssertEqual(try conn.query("SHOW statement_timeout", [])[0, 0], "5s")
        XCTAssertThrowsError(try conn.execute("SELECT pg_sleep(6)")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "57014", "cancelled by the server: \(error)")
            XCTAssertEqual((error as? PostgresError)?.isTransient, true)
        }
        XCTAssertEqual(try conn.withoutTimeouts { try conn.query("SHOW statement_timeout", [])[0, 0] }, "0")
        XCTAssertEqual(try conn.query("SHOW statement_timeout", [])[0, 0], "5s")
    }

    func testEveryCounterIsDeclaredAtZeroUnderItsMetricName() {
        let metrics = VigilMetrics()
        metrics.declare(sinks: ["alerts"])
        let stats = RouterStats(metrics: metrics)
        stats.add(.rateLimited, 2)
        stats.add(sink: "alerts", .deadLettered)
        let text = String(decoding: metrics.render(), as: UTF8.self)
        for outcome in EventOutcome.allCases where outcome != .rateLimited {
            XCTAssertTrue(text.contains(#"vigil_events_total{outcome="\#(outcome.rawValue)"} 0"#), "\(outcome): \(text)")
        }
        XCTAssertTrue(text.contains(#"vigil_events_total{outcome="rate_limited"} 2"#), text)
        XCTAssertTrue(text.contains(#"vigil_sink_events_total{sink="alerts",outcome="dead_lettered"} 1"#), text)
        XCTAssertTrue(text.contains(#"vigil_sink_events_total{sink="alerts",outcome="caught_up"} 0"#), text)
        XCTAssertTrue(text.contains(#"vigil_sink_retries_total{sink="alerts"} 0"#), text)
        XCTAssertEqual(stats[.rateLimited], 2)
        XCTAssertEqual(stats[sink: "alerts", .deadLettered], 1)
    }
}
