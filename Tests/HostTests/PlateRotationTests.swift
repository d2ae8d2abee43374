import Foundation
import PluginAPI
@testable import VigilConfig
import VigilPostgres
@testable import VigilRouter
import XCTest

/// `vigil plates rotate-key` as a user runs it: a child process, killed with SIGKILL mid-way, run again.
final class PlateRotationTests: XCTestCase {
    func testRotationKilledMidwayAndRunAgainLeavesEveryRowUnderTheNewKey() throws {
        let url = try PlateTestSupport.freshDatabase()
        defer { PlateTestSupport.drop(url) }
        let (oldSecret, newSecret) = (PlateTestSupport.secret(), PlateTestSupport.secret())
        let old = try PlateVault(current: oldSecret), new = try PlateVault(current: newSecret)
        let db = try Database(url: url).connect()
        try EventStore.prepare(db, channel: "rotation", sinks: [])
        // 2,400 rows sealed under the old key, 300 stored plain (before encryption was on), 300 without plates.
        var expected: [Int: String] = [:]
        func save(_ store: EventStore, _ frames: Range<Int>, anpr: Bool) throws {
            let events = frames.map { n -> NewEvent in
                let plate = "R\(n)X"
                if anpr { expected[n] = plate }
                return NewEvent(type: anpr ? "anpr" : "motion", cameraID: "rot", frameNumber: n, timestamp: Timestamp(microsecondsSince1970: Int64(n)),
                                snapshotPath: nil, data: anpr ? PlateTestSupport.anpr(plate) : ["motion_intensity": 0.5])
            }
            _ = try store.insert(events, recording: .batch("seed/\(frames.lowerBound)"))
        }
        let sealing = EventStore(connection: db, plates: old), plainStore = EventStore(connection: db)
        for start in stride(from: 0, to: 2400, by: 400) { try save(sealing, start..<(start + 400), anpr: true) }
        try save(plainStore, 2400..<2700, anpr: true)
        try save(plainStore, 2700..<3000, anpr: false)
        let idsBefore = try ids(db)

        let env = ["DATABASE_URL": url, "PLATE_ENCRYPTION_KEY": Data(newSecret).base64EncodedString(),
                   "PLATE_ENCRYPTION_OLD_KEYS": Data(oldSecret).base64EncodedString(), "LOG_LEVEL": "error"]
        let first = try ChildProcess(TestSupport.vigil, ["plates", "rotate-key", "--batch-size", "10"], environment: env)
        RouterFixture.wait("5 batches committed", timeout: 60) {
            first.stdout.components(separatedBy: "rotate-key batch").count > 5 || !first.isRunning
        }
        first.signal(SIGKILL)
        XCTAssertEqual(first.wait(), 128 + SIGKILL, "the rotation ended before it was killed: \(first.stdout)\(first.stderr)")
        let underNew = try count(db, "event_data->>'plate_key' = $1", [new.current.id])
        XCTAssertGreaterThan(underNew, 0)
        XCTAssertLessThan(underNew, 2700, "killed mid-way")

        // Meanwhile a host configured for the rotation (new key, old key kept) reads every row.
        let during = try PlateVault(current: newSecret, old: [oldSecret])
        try checkPlates(db, during, expected)

        let second = try ChildProcess(TestSupport.vigil, ["plates", "rotate-key", "--batch-size", "50"], environment: env)
        XCTAssertEqual(second.wait(), 0, second.stderr)
        let last = second.stdout.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("plates rotate-key key_id=\(new.current.id) rotated="), last)
        XCTAssertTrue(last.hasSuffix(" remaining=0"), last)

        XCTAssertEqual(try ids(db), idsBefore, "no row lost or added")
        XCTAssertEqual(try count(db, "event_data->>'plate_key' = $1", [new.current.id]), 2700)
        XCTAssertEqual(try count(db, "event_data ? 'plate_key' AND event_data->>'plate_key' <> $1", [new.current.id]), 0)
        XCTAssertEqual(try count(db, "event_data::text LIKE '%\"R%X\"%'", []), 0, "no plain plate left")
        try checkPlates(db, new, expected)   // the new key alone reads every row now
        XCTAssertEqual(try count(db, "event_data->>'plate_hmac' = $1", [new.searchHash("r 1234-x")]), 1)

        let third = try ChildProcess(TestSupport.vigil, ["plates", "rotate-key"], environment: env)
        XCTAssertEqual(third.wait(), 0, third.stderr)
        XCTAssertTrue(third.stdout.hasSuffix("rotated=0 remaining=0\n"), third.stdout)

        // A key missing from the configuration stops it with the event and the key id, exit non-zero.
        let stranger = try PlateVault(current: PlateTestSupport.secret())
        _ = try EventStore(connection: db, plates: stranger).insert(
            [NewEvent(type: "anpr", cameraID: "rot", frameNumber: 9999, timestamp: Timestamp(microsecondsSince1970: 1), snapshotPath: nil,
                      data: PlateTestSupport.anpr("LOST1"))], recording: .batch("seed/x"))
        let fourth = try ChildProcess(TestSupport.vigil, ["plates", "rotate-key"], environment: env)
        XCTAssertNotEqual(fourth.wait(), 0)
        XCTAssertTrue(fourth.stderr.contains("plate encrypted under key id \(stranger.current.id), which is not configured"), fourth.stderr)
    }

    private func ids(_ db: PostgresConnection) throws -> [String] {
        let r = try db.query("SELECT id FROM events ORDER BY id", [])
        return (0..<r.count).map { r[$0, 0]! }
    }

    private func count(_ db: PostgresConnection, _ condition: String, _ params: [String?]) throws -> Int {
        Int(try db.query("SELECT count(*) FROM events WHERE \(condition)", params)[0, 0]!)!
    }

    /// Every ANPR row reads back (through the catch-up read) with its own plate and no error.
    private func checkPlates(_ db: PostgresConnection, _ vault: PlateVault, _ expected: [Int: String]) throws {
        let rows = try EventStore.read(after: 0, limit: 10_000, from: db, plates: vault)
        var seen = 0
        for row in rows where row.event.event.type == "anpr" {
            let data = row.event.event.data
            XCTAssertNil(data["plate_error"], "\(data["plate_error"]!)")
            XCTAssertEqual(data, PlateTestSupport.anpr(expected[row.event.event.frameNumber]!))
            seen += 1
        }
        XCTAssertEqual(seen, expected.count)
    }
}
