import Foundation
import PluginAPI
@testable import VigilRouter
import XCTest

/// `vigil tail` as a child process against real PostgreSQL and Redis: `--since` meets the live
/// stream without a gap or a duplicate while events keep coming, a Redis restart is ridden out
/// (events saved meanwhile are printed once), filters and text format, and SIGTERM exits 0.
final class TailTests: XCTestCase {
    func services(_ action: String) throws {
        let dir = try XCTUnwrap(ProcessInfo.processInfo.environment["VIGIL_SERVICES_DIR"],
                                "run the tests with scripts/test.sh (VIGIL_SERVICES_DIR)")
        let r = try TestSupport.run("/bin/bash", ["\(TestSupport.root)/scripts/services.sh", action, dir])
        XCTAssertEqual(r.status, 0, "services.sh \(action): \(r.stderr)")
    }

    func tail(_ args: [String], _ f: RouterFixture) throws -> ChildProcess {
        let child = try ChildProcess(TestSupport.vigil, ["tail", "--channel", f.channel] + args,
                                     environment: ["DATABASE_URL": f.databaseURL, "LOG_LEVEL": "info"])
        let end = Date().addingTimeInterval(20)
        while Date() < end, child.isRunning, !child.stderr.contains("Tail subscribed") { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertTrue(child.stderr.contains("Tail subscribed"), "tail did not start: \(child.stderr)")
        return child
    }

    static func ids(_ child: ChildProcess) -> [Int64] {
        child.stdout.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0))["id"]?.intValue }.map(Int64.init)
    }

    func testSinceThenLiveAcrossARedisRestartWithoutGapOrDuplicate() throws {
        let f = try RouterFixture()
        let camera = "tail-\(UUID().uuidString.prefix(6))"
        f.router.start()
        defer { f.router.shutdown() }
        for i in 0..<50 { f.router.submit(f.event(camera, i)) }
        try RouterFixture.wait("50 saved") { try f.rows(cameraPrefix: camera).count == 50 }
        let since = try f.rows(cameraPrefix: camera)[19].id

        // Events keep arriving while tail subscribes and reads the history.
        let feeding = DispatchGroup()
        feeding.enter()
        Thread {
            for i in 50..<450 { f.router.submit(f.event(camera, i)); if i % 10 == 0 { usleep(2_000) } }
            feeding.leave()
        }.start()
        let child = try tail(["--since", String(since), "--camera", camera], f)
        feeding.wait()
        try RouterFixture.wait("the first 450 printed") {
            try Self.ids(child) == f.rows(cameraPrefix: camera).map(\.id).filter { $0 > since }
        }

        try services("stop-redis")
        for i in 450..<600 { f.router.submit(f.event(camera, i)) }
        try RouterFixture.wait("600 saved while Redis is down") { try f.rows(cameraPrefix: camera).count == 600 }
        try services("start-redis")
        for i in 600..<650 { f.router.submit(f.event(camera, i)) }
        try RouterFixture.wait("tail resubscribed") { child.stderr.contains("Redis subscription resubscribed") }
        try RouterFixture.wait("everything printed after the restart") {
            try Self.ids(child).count == f.rows(cameraPrefix: camera).filter { $0.id > since }.count
        }
        Thread.sleep(forTimeInterval: 0.3)  // nothing more may follow
        child.signal(SIGTERM)
        XCTAssertEqual(child.wait(), 0, "SIGTERM ends tail cleanly: \(child.stderr)")
        let printed = Self.ids(child)
        let expected = try f.rows(cameraPrefix: camera).map(\.id).filter { $0 > since }
        XCTAssertEqual(printed.count, 630)
        XCTAssertEqual(printed, expected, "every event after --since once, in id order, across the restart")
    }

    func testFiltersAndTextFormat() throws {
        let f = try RouterFixture()
        let camera = "tailf-\(UUID().uuidString.prefix(6))"
        f.router.start()
        defer { f.router.shutdown() }
        let child = try tail(["--camera", camera, "--type", "anpr", "--format", "text"], f)
        f.router.submit(f.event(camera, 1, type: "motion"))
        f.router.submit(f.event(camera, 2, type: "anpr", data: ["anpr_result": ["license_plate": "AB123CD"]]))
        f.router.submit(f.event(camera + "-other", 3, type: "anpr"))
        f.router.submit(f.event(camera, 4, type: "anpr", data: ["anpr_result": ["license_plate": "XY987ZT"]]))
        try RouterFixture.wait("two anpr lines") { child.stdout.split(separator: "\n").count == 2 }
        Thread.sleep(forTimeInterval: 0.3)
        child.signal(SIGINT)
        XCTAssertEqual(child.wait(), 0, "Ctrl+C ends tail cleanly: \(child.stderr)")
        let rows = try f.rows(cameraPrefix: camera).filter { $0.camera == camera }
        let lines = child.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, child.stdout)
        XCTAssertEqual(lines[0], "2024-10-11T12:28:16.791Z \(camera) anpr #\(rows[1].id) {\"anpr_result\":{\"license_plate\":\"AB123CD\"}}")
        XCTAssertTrue(lines[1].hasPrefix("2024-10-11T12:28:16.793Z \(camera) anpr #\(rows[2].id) "), lines[1])
    }

    func testSinceWithoutDatabaseIsAClearError() throws {
        let result = try TestSupport.run(TestSupport.vigil, ["tail", "--since", "5"], environment: ["DATABASE_URL": ""])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--since reads PostgreSQL: DATABASE_URL is not set"), result.stderr)
    }
}
