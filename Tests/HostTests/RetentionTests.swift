import Foundation
import Logging
import PluginAPI
@testable import VigilConfig
import VigilPostgres
@testable import VigilRetention
@testable import VigilRouter
import XCTest

/// Issue 17: retention over old rows and files on the real PostgreSQL and file system.
final class RetentionTests: XCTestCase {
    let logger: Logger = { var l = Logger(label: "retention-test"); l.logLevel = .warning; return l }()

    func db() throws -> PostgresConnection { try PostgresConnection(try TestSupport.services().database) }

    /// `YYYY-MM-DD` (UTC) `days` ago.
    func day(_ days: Double) -> String { String(EventJSON.isoMillisZ(.init(secondsSince1970: Date().timeIntervalSince1970 - days * 86_400)).prefix(10)) }

    /// Inserts an event `days` old with a snapshot file under `snapshots` (a folder named "snapshots").
    @discardableResult
    func insert(_ db: PostgresConnection, camera: String, type: String, days: Double, frame: Int, snapshots: String?) throws -> String? {
        var stored: String?
        if let snapshots {
            stored = "snapshots/\(day(days))/\(camera)/motion_\(frame)_\(Int(Date().timeIntervalSince1970 - days * 86_400)).png"
            let file = "\((snapshots as NSString).deletingLastPathComponent)/\(stored!)"
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: file, contents: Data(repeating: 7, count: 5000))
        }
        try db.query("""
            INSERT INTO events (event_type, camera_id, timestamp, frame_number, snapshot_path, event_data)
            VALUES ($1, $2, (now() AT TIME ZONE 'UTC') - $3::float8 * interval '1 day', $4, $5, '{"a": 1}')
            """, [type, camera, String(days), String(frame), stored])
        return stored
    }

    func ages(_ db: PostgresConnection, _ camera: String) throws -> [Int] {
        let r = try db.query("SELECT frame_number FROM events WHERE camera_id = $1 ORDER BY frame_number", [camera])
        return (0..<r.count).map { Int(r[$0, 0]!)! }
    }

    /// The hourly counts of these cameras against the rows themselves.
    func assertCountsMatchRows(_ db: PostgresConnection, prefix: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let diff = try db.query("""
            WITH r AS (SELECT camera_id, event_type, date_trunc('hour', timestamp) AS hour, count(*) AS n FROM events
                       WHERE camera_id LIKE $1 GROUP BY 1, 2, 3),
                 c AS (SELECT camera_id, event_type, hour, n FROM vigil_event_counts WHERE camera_id LIKE $1 AND n <> 0)
            SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM c UNION ALL (SELECT * FROM c EXCEPT SELECT * FROM r)) d
            """, [prefix + "%"])
        XCTAssertEqual(diff[0, 0], "0", "vigil_event_counts equals the rows", file: file, line: line)
    }

    func testOldEventsAndSnapshotsGoInSmallBatchesWhileTheWriterWrites() throws {
        let prefix = "ret\(UUID().uuidString.prefix(6))-"
        let type = "rt\(UUID().uuidString.prefix(6).lowercased())"
        let snapshots = TestSupport.tempDir("retention") + "/snapshots"
        let db = try db()
        let ages: [Double] = [1, 4, 6, 12, 25, 40]
        var files: [String: [Int: String]] = [:]
        for camera in ["a", "b", "c"] {
            for (i, age) in ages.enumerated() {
                files[camera, default: [:]][Int(age)] = try insert(db, camera: prefix + camera, type: camera == "c" ? type : "motion",
                                                                  days: age, frame: Int(age), snapshots: snapshots)
                _ = i
            }
        }
        for i in 0..<1200 { try insert(db, camera: prefix + "a", type: "motion", days: 15, frame: 1000 + i, snapshots: nil) }
        // Outside the code under test: every DELETE statement on events records how many rows it took.
        let batches = "retention_batches_\(UUID().uuidString.prefix(6).lowercased())"
        try db.execute("""
            CREATE TABLE \(batches) (n int);
            CREATE FUNCTION \(batches)_f() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO \(batches) SELECT count(*) FROM old_rows WHERE camera_id LIKE '\(prefix)%'; RETURN NULL; END $$;
            CREATE TRIGGER \(batches)_t AFTER DELETE ON events REFERENCING OLD TABLE AS old_rows
              FOR EACH STATEMENT EXECUTE FUNCTION \(batches)_f();
            """)
        defer { _ = try? db.execute("DROP TRIGGER \(batches)_t ON events; DROP FUNCTION \(batches)_f(); DROP TABLE \(batches)") }

        let policy = RetentionPolicy(
            defaults: RetentionSettings(batchSize: 100),
            cameras: [prefix + "a": RetentionRule(eventsDays: 10, snapshotsDays: 3), prefix + "b": RetentionRule(eventsDays: 0, snapshotsDays: 5)],
            eventTypes: [type: RetentionRule(eventsDays: 20)])
        let service = RetentionService(policy: policy, database: Database(url: try TestSupport.services().database), snapshotsDir: snapshots,
                                       logger: logger)
        // The writer saves live events while the pass deletes.
        let f = try RouterFixture()
        f.router.start()
        let written = DispatchSemaphore(value: 0)
        let writer = Thread {
            defer { written.signal() }
            for i in 0..<300 {
                _ = f.router.submit(NewEvent(type: "motion", cameraID: prefix + "live", frameNumber: i,
                                             timestamp: Timestamp(secondsSince1970: Date().timeIntervalSince1970), snapshotPath: nil, data: ["i": .int(i)]))
                Thread.sleep(forTimeInterval: 0.002)
            }
        }
        writer.start()
        let status = try service.runOnce()
        written.wait()   // every live event submitted before the router stops
        f.router.shutdown()

        XCTAssertEqual(try self.ages(db, prefix + "a"), [1, 4, 6], "10 days for camera a")
        XCTAssertEqual(try self.ages(db, prefix + "b"), [1, 4, 6, 12, 25, 40], "b keeps its events for ever")
        XCTAssertEqual(try self.ages(db, prefix + "c"), [1, 4, 6, 12], "20 days for c's event type")
        XCTAssertEqual(try self.ages(db, prefix + "live").count, 300, "the writer saved everything meanwhile")
        let parent = (snapshots as NSString).deletingLastPathComponent
        func exists(_ camera: String, _ age: Int) -> Bool { FileManager.default.fileExists(atPath: "\(parent)/\(files[camera]![age]!)") }
        XCTAssertEqual(ages.map { exists("a", Int($0)) }, [true, false, false, false, false, false], "a: 3 days of snapshots, and none past its events")
        XCTAssertEqual(ages.map { exists("b", Int($0)) }, [true, true, false, false, false, false], "b: 5 days of snapshots")
        XCTAssertEqual(ages.map { exists("c", Int($0)) }, [true, true, true, true, false, false], "c: snapshots go with their events")

        XCTAssertEqual(status.eventsDeleted, 3 + 1200 + 2)
        XCTAssertEqual(status.snapshotsDeletedWithEvents, 3 + 2)
        XCTAssertEqual(status.snapshotsDeletedByAge, 2 + 4)
        let sizes = try db.query("SELECT coalesce(max(n), 0), coalesce(sum(n), 0), count(*) FROM \(batches) WHERE n > 0", [])
        XCTAssertLessThanOrEqual(Int(sizes[0, 0]!)!, 100, "no statement deletes more than a batch")
        XCTAssertEqual(Int(sizes[0, 1]!)!, 1205)
        XCTAssertGreaterThanOrEqual(Int(sizes[0, 2]!)!, 13)
        try assertCountsMatchRows(db, prefix: prefix)

        // A second pass finds nothing more to do.
        let again = try service.runOnce()
        XCTAssertEqual(again.eventsDeleted, status.eventsDeleted)
        XCTAssertEqual(again.snapshotsDeletedByAge, status.snapshotsDeletedByAge)
        XCTAssertEqual(again.passes, 2)
    }

    func testSnapshotCapDeletesTheOldestFirstAndOldDayFoldersGo() throws {
        let root = TestSupport.tempDir("retention-cap") + "/snapshots"
        // Day folders 45, 3, 2 and 1 days old, two cameras each, files 64 KB, oldest first by their times.
        var written: [(path: String, day: Double)] = []
        var clock = Date().timeIntervalSince1970 - 50 * 86_400
        for age in [45.0, 3, 2, 1] {
            for camera in ["x", "y"] {
                let folder = "\(root)/\(day(age))/\(camera)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for i in 0..<3 {
                    let path = "\(folder)/detection_\(i)_\(Int(clock)).png"
                    FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: 65_536))
                    clock += 60
                    var times = [timeval(tv_sec: Int(clock), tv_usec: 0), timeval(tv_sec: Int(clock), tv_usec: 0)]
                    utimes(path, &times)
                    written.append((path, age))
                }
            }
        }
        func blocks(_ path: String) -> Int64 { var st = stat(); return lstat(path, &st) == 0 ? Int64(st.st_blocks) * 512 : 0 }
        let fileSize = blocks(written[0].path)
        let cap = fileSize * 7 + fileSize / 2  // room for 7 files
        let policy = RetentionPolicy(defaults: RetentionSettings(snapshotsDays: 30, snapshotsMaxBytes: cap))
        let service = RetentionService(policy: policy, database: Database(url: try TestSupport.services().database), snapshotsDir: root,
                                       logger: logger)
        let status = try service.runOnce()

        let left = written.filter { FileManager.default.fileExists(atPath: $0.path) }
        XCTAssertEqual(left.map(\.path), Array(written.suffix(7)).map(\.path), "the newest 7 files stay")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/\(day(45))"), "the 45-day folder (past 30 days) is gone")
        XCTAssertEqual(status.snapshotsDeletedByAge, 6)
        XCTAssertEqual(status.snapshotsDeletedByCap, 24 - 6 - 7)
        XCTAssertEqual(status.snapshotsDiskFiles, 7)
        XCTAssertEqual(status.snapshotsDiskBytes, left.reduce(0) { $0 + blocks($1.path) })
        XCTAssertLessThanOrEqual(status.snapshotsDiskBytes!, cap)
        XCTAssertEqual(status.snapshotBytesDeleted, fileSize * 17)
        XCTAssertEqual(status.snapshotsMaxBytes, cap)
    }

    func testWorkQueueClaimsOlderThanTheirDaysGo() throws {
        let db = try db()
        try Migrations.run(db)
        let queue = "claims-\(UUID().uuidString.prefix(6))"
        for (job, days) in [("old-1", 9.0), ("old-2", 8), ("recent", 6), ("new", 0)] {
            try db.query("""
                INSERT INTO vigil_queue_jobs (queue, job_md5, events, saved_at)
                VALUES ($1, md5($2), 1, now()::timestamp - $3::float8 * interval '1 day')
                """, [queue, job, String(days)])
        }
        var policy = RetentionPolicy(defaults: RetentionSettings())
        policy.queueClaimDays = 7
        XCTAssertFalse(policy.deletesAnything, "claims alone do not start retention; work-queue cameras do")
        let service = RetentionService(policy: policy, database: Database(url: try TestSupport.services().database),
                                       snapshotsDir: TestSupport.tempDir("retention-claims") + "/snapshots", logger: logger)
        let status = try service.runOnce()
        let left = try db.query("SELECT job_md5 FROM vigil_queue_jobs WHERE queue = $1 ORDER BY saved_at", [queue])
        let kept = try db.query("SELECT md5('recent'), md5('new')", [])
        XCTAssertEqual((0..<left.count).map { left[$0, 0] }, [kept[0, 0], kept[0, 1]], "claims younger than 7 days stay")
        XCTAssertGreaterThanOrEqual(status.queueClaimsDeleted, 2)
    }
}
