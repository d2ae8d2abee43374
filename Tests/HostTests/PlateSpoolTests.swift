import Foundation
import PluginAPI
import VigilPostgres
@testable import VigilRouter
import XCTest

/// With `PLATE_ENCRYPTION_KEY`, plates never lie in plain text on the host's disk: events spooled
/// while PostgreSQL is stopped (and, with DURABLE_INTAKE, every journaled event) hold their plates
/// sealed; once PostgreSQL is back they are saved encrypted and published exactly as emitted.
final class PlateSpoolTests: XCTestCase {
    func testSpooledEventsHoldNoPlateText() throws { try spoolWhilePostgresIsDown(durableIntake: false) }

    func testJournaledEventsHoldNoPlateText() throws { try spoolWhilePostgresIsDown(durableIntake: true) }

    func spoolWhilePostgresIsDown(durableIntake: Bool) throws {
        let vault = try PlateVault(current: PlateTestSupport.secret())
        let f = try RouterFixture(durableIntake: durableIntake, plates: vault)
        let sub = try SubscriberProcess(redisCLI: f.redis, channel: f.channel)
        defer { sub.stop() }
        let camera = "plate-spool-\(UUID().uuidString.prefix(6))"
        let plates = [PlateTestSupport.plate(), PlateTestSupport.plate()]
        let emitted = [PlateTestSupport.anpr(plates[0], label: "J. Smith"), PlateTestSupport.anpr(plates[1])]
        f.router.start()
        try Faults.services("stop-pg")
        defer { try? Faults.services("start-pg", check: false) }
        for (i, data) in emitted.enumerated() {
            XCTAssertTrue(f.router.submit(f.event(camera, i + 1, type: "anpr", data: data)))
        }
        RouterFixture.wait("both events on disk", timeout: 30) {
            durableIntake || f.router.stats[.spooled] >= 2
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: f.spool).filter { $0.hasSuffix(".jsonl") }
        let onDisk = try files.map { try String(contentsOfFile: "\(f.spool)/\($0)", encoding: .utf8) }.joined()
        XCTAssertEqual(onDisk.components(separatedBy: "enc:v1:\(vault.current.id):").count - 1, 2 * 6,
                       "each event's six plate texts are sealed on disk: \(onDisk)")
        for text in plates + ["J. Smith", "staff car"] {
            XCTAssertFalse(onDisk.contains(text), "\(text) lies in plain text in the spool")
        }

        try Faults.services("start-pg")
        RouterFixture.wait("both published after PostgreSQL returned", timeout: 60) { sub.payloads().count >= 2 }
        f.router.shutdown()
        let published = try sub.payloads().map { try JSONValue(parsing: $0) }
        XCTAssertEqual(published.map { $0["event_data"] }, emitted.map { Optional($0) }, "published as the plugin emitted it")
        let db = try f.db()
        let rows = try db.query("""
            SELECT event_data->'anpr_result'->>'license_plate', event_data->>'plate_hmac' FROM events
            WHERE camera_id = $1 ORDER BY frame_number
            """, [camera])
        XCTAssertEqual(rows.count, 2, "saved once each")
        for r in 0..<rows.count {
            XCTAssertTrue(rows[r, 0]!.hasPrefix("enc:v1:\(vault.current.id):"), rows[r, 0]!)
            XCTAssertEqual(rows[r, 1], vault.searchHash(plates[r]))
        }
    }
}
