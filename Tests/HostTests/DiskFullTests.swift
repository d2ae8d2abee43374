import Foundation
import PluginAPI
@testable import VigilRouter
import XCTest

/// SPOOL_DIR on a 2 MB filesystem while PostgreSQL is down: vigil keeps trying PostgreSQL, holds
/// the cameras by the overload policy, logs once, and shuts down in bounded time.
final class DiskFullTests: XCTestCase {
    func spoolLines(_ dir: String) -> Int {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("spool-") }
        return files.reduce(0) { n, f in
            n + ((try? Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(f)")))?.filter { $0 == 0x0A }.count ?? 0)
        }
    }

    func testDiskFullWhilePostgresIsDownSavesToPostgresWhenItReturns() throws {
        let disk = try SmallDisk(size: "2m")
        defer { disk.unmount() }
        let logs = TestLogs()
        let f = try RouterFixture(spool: disk.path, queueCapacity: 2000, logger: logs.logger)
        let camera = "full-\(UUID().uuidString.prefix(6))"
        f.router.start()
        for i in 0..<100 { f.router.submit(f.event(camera, i)) }
        RouterFixture.wait("first events saved") { (try? f.rows(cameraPrefix: camera).count) == 100 }
        try Faults.services("stop-pg")
        let total = 30_100
        let producer = Background { for i in 100..<total { f.router.submit(f.event(camera, i)) } }
        RouterFixture.wait("the spool filled the disk", timeout: 60) { disk.free < 64 * 1024 }
        Thread.sleep(forTimeInterval: 3)
        try Faults.services("start-pg")
        XCTAssertTrue(producer.wait(90), "the cameras were held, not stopped for good")
        RouterFixture.wait("every event saved once PostgreSQL is back", timeout: 90) { (try? f.rows(cameraPrefix: camera).count) == total }
        let stopped = Background { f.router.shutdown() }
        XCTAssertTrue(stopped.wait(30), "shutdown did not finish")
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), Array(0..<total), "each event once, in order")
        let spoolLogs = logs.lines.filter { $0.contains("Spool") && ($0.hasPrefix("critical") || $0.hasPrefix("error")) }
        XCTAssertLessThanOrEqual(spoolLogs.count, 2, "the condition is logged once, not per retry:\n\(spoolLogs.joined(separator: "\n"))")
        XCTAssertEqual(spoolLines(disk.path), 0, "spool replayed and deleted")
    }

    func testShutdownWithDiskFullAndPostgresDownIsBoundedAndCountsWhatWasNotKept() throws {
        let disk = try SmallDisk(size: "2m")
        defer { disk.unmount() }
        let logs = TestLogs()
        let f = try RouterFixture(spool: disk.path, queueCapacity: 1000, logger: logs.logger)
        let camera = "fullstop-\(UUID().uuidString.prefix(6))"
        f.router.start()
        try Faults.services("stop-pg")
        defer { try? Faults.services("start-pg", check: false) }
        let accepted = LockedCount()
        let total = 20_000
        let producer = Background { for i in 0..<total where f.router.submit(f.event(camera, i)) { accepted.add() } }
        RouterFixture.wait("the spool filled the disk", timeout: 60) { disk.free < 64 * 1024 }
        Thread.sleep(forTimeInterval: 1)
        let started = Date()
        let stopped = Background { f.router.shutdown() }   // what SIGTERM does
        XCTAssertTrue(stopped.wait(20), "shutdown must end in bounded time")
        let seconds = Date().timeIntervalSince(started)
        XCTAssertTrue(producer.wait(5), "the camera is released at shutdown")
        try Faults.services("start-pg")
        let lost = f.router.stats[.lost]
        XCTAssertGreaterThan(lost, 0)
        let line = logs.lines.first { $0.hasPrefix("critical Events could not be kept") }
        XCTAssertNotNil(line, logs.lines.joined(separator: "\n"))
        XCTAssertTrue(line?.contains("events.lost=\(lost)") == true, line ?? "")
        // Everything accepted is in PostgreSQL, in the spool, or counted as lost.
        let saved = try f.rows(cameraPrefix: camera).count
        XCTAssertEqual(saved + spoolLines(disk.path) + lost, accepted.value, "saved \(saved), lost \(lost)")
        print("disk-full shutdown: seconds=\(String(format: "%.1f", seconds)) lost=\(lost) accepted=\(accepted.value)")
    }
}

/// A counter shared between threads.
final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
