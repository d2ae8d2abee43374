import Foundation
import PluginAPI
@testable import VigilRouter
import XCTest

/// The crash window: kill -9 while events wait in memory. With DURABLE_INTAKE=true every event
/// whose `submit` returned is on disk, and the next start saves each exactly once.
final class DurableIntakeTests: XCTestCase {
    func spoolLines(_ dir: String) -> Int {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("spool-") }
        return files.reduce(0) { n, f in
            n + ((try? Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(f)")))?.filter { $0 == 0x0A }.count ?? 0)
        }
    }

    func testDurableIntakeSavesEachEventOnceThroughAPostgresOutageAndDeletesItsJournal() throws {
        let f = try RouterFixture(durableIntake: true)
        let camera = "jrnl-\(UUID().uuidString.prefix(6))"
        f.router.start()
        for i in 0..<2000 { XCTAssertTrue(f.router.submit(f.event(camera, i))) }
        RouterFixture.wait("first events saved") { (try? f.rows(cameraPrefix: camera).count) == 2000 }
        try Faults.services("stop-pg")
        defer { try? Faults.services("start-pg", check: false) }
        let journaled = Date()
        for i in 2000..<4000 { XCTAssertTrue(f.router.submit(f.event(camera, i)), "accepted while PostgreSQL is down") }
        XCTAssertLessThan(Date().timeIntervalSince(journaled), 20, "submits wait for the journal, not for PostgreSQL")
        XCTAssertGreaterThan(spoolLines(f.spool), 0, "the events wait in the journal")
        try Faults.services("start-pg")
        RouterFixture.wait("everything saved from the journal", timeout: 60) { (try? f.rows(cameraPrefix: camera).count) == 4000 }
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), Array(0..<4000), "each event once, in order")
        XCTAssertEqual(f.router.stats[.published], 4000)
        XCTAssertEqual(spoolLines(f.spool), 0, "journal files are deleted once PostgreSQL holds them")
    }

    func testKill9WithDurableIntakeLosesNothingThatWasAccepted() throws {
        let services = try TestSupport.services()
        // PostgreSQL answers nothing (its packets vanish): every accepted event waits in vigil.
        let proxy = try TCPProxy(upstreamPort: try Faults.postgresPort())
        defer { proxy.close() }
        proxy.mode = .blackHole
        let spool = TestSupport.tempDir("spool-durable")
        let prefix = "dur-\(UUID().uuidString.prefix(6))-"
        let events = 5000
        let bench = try ChildProcess(TestSupport.vigil, ["bench", "router", "--events", String(events), "--spool", spool,
                                                        "--camera-prefix", prefix, "--timeout", "120"],
                                     environment: ["DATABASE_URL": TCPProxy.url(services.database, port: proxy.port),
                                                   "DURABLE_INTAKE": "true"])
        RouterFixture.wait("every submitted event journaled", timeout: 60) { spoolLines(spool) == events }
        bench.signal(SIGKILL)
        XCTAssertEqual(bench.wait(), 128 + SIGKILL)
        proxy.close()

        // Restart: vigil with no cameras saves what the journal holds and exits.
        let dir = TestSupport.tempDir()
        let config = TestSupport.write(#"{"cameras": []}"#, to: "plugins.json", in: dir)
        let run = try TestSupport.run(TestSupport.vigil, ["run", "--config", config, "--exit-when-done"],
                                      environment: ["SPOOL_DIR": spool, "DATABASE_URL": services.database,
                                                    "REDIS_URL": services.redis, "API_PORT": "0"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let f = try RouterFixture()
        let rows = try f.rows(cameraPrefix: prefix)
        XCTAssertEqual(rows.count, events, "every accepted event saved exactly once")
        XCTAssertEqual(rows.map(\.frame).sorted(), Array(0..<events))
        XCTAssertEqual(rows.filter { $0.camera == "\(prefix)1" }.map(\.frame), Array(stride(from: 1, to: events, by: 4)), "in order")
        XCTAssertEqual(spoolLines(spool), 0, "the journal is deleted once saved")
    }
}
