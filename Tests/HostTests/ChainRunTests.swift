import XCTest
@testable import VigilConfig
@testable import VigilPlugins
@testable import VigilPipeline
import PluginAPI
import VigilPostgres

/// PluginAPI 1.1 through `vigil run` (a child process, real PostgreSQL and Redis): zones and lines
/// reach detectors, the state folder, events emitted from a detector's own thread, emitting after
/// the end, and a state folder that cannot be created.
final class ChainRunTests: XCTestCase {
    func runVigil(_ config: String, in dir: String, env extra: [String: String] = [:]) throws -> TestSupport.Output {
        let services = try TestSupport.services()
        let path = TestSupport.write(config, to: "plugins.json", in: dir)
        var env = ["DATABASE_URL": services.database, "REDIS_URL": services.redis, "API_PORT": "0",
                   "SNAPSHOTS_DIR": "\(dir)/snapshots", "SPOOL_DIR": "\(dir)/spool", "STATE_DIR": "\(dir)/state"]
        env.merge(extra) { _, n in n }
        return try TestSupport.run(TestSupport.vigil, ["run", "--config", path, "--exit-when-done"], environment: env, directory: dir)
    }

    func rows(_ camera: String) throws -> [(type: String, frame: Int, data: JSONValue)] {
        let db = try PostgresConnection(try TestSupport.services().database)
        let r = try db.query("SELECT event_type, frame_number, event_data::text FROM events WHERE camera_id = $1 ORDER BY id", [camera])
        return try (0..<r.count).map { (r[$0, 0]!, Int(r[$0, 1]!)!, try JSONValue(parsing: r[$0, 2]!)) }
    }

    func config(camera: String, video: String) -> String {
        """
        {"plugin_dir": "\(TestSupport.buildDir)",
         "cameras": [{"id": "\(camera)", "source": "\(video)", "detectors": ["motion", "probe", "async"],
                      "zones": {"door": [[0, 0], [0.5, 0], [0.5, 0.5]]},
                      "lines": {"gate": {"from": [0.5, 0], "to": [0.5, 1], "in": "left"}}}],
         "detectors": [{"name": "motion", "library": "libMotion.so", "config": {"snapshot": false}},
                       {"name": "probe", "library": "\(DetectorChainTests.probeDir)/libProbe.so", "max_process_ms": 1000},
                       {"name": "async", "library": "\(DetectorChainTests.probeDir)/libProbe.so",
                        "config": {"motion_only": false, "emit_from_thread": true, "emit_after_finish": true}}]}
        """
    }

    func testZonesStateAndEmittedEventsReachTheDatabase() throws {
        let dir = TestSupport.tempDir("chain-run")
        let camera = "chain-\(UUID().uuidString.prefix(6))"
        let out = try runVigil(config(camera: camera, video: try VideoFixtures.movingSquare(frames: 60, startAt: 30)), in: dir)
        XCTAssertEqual(out.status, 0, out.stderr)
        let rows = try rows(camera)
        let probed = rows.filter { $0.type == "probe" }
        XCTAssertFalse(probed.isEmpty, out.stderr)
        for row in probed {
            XCTAssertEqual(row.data["zones"], ["door"])
            XCTAssertEqual(row.data["lines"], ["gate"])
            XCTAssertEqual(row.data["state_dir"]?.stringValue, "\(dir)/state/probe/\(camera)")
            XCTAssertGreaterThanOrEqual(row.frame, 30, "motion-only: still frames are skipped")
        }
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/state/probe/\(camera)/probe.txt", encoding: .utf8), "started\n")
        XCTAssertEqual(Set(rows.filter { $0.type == "probe-async" }.map(\.frame)), Set(0..<60),
                       "events emitted from the detector's own thread are saved, one per frame")
        XCTAssertFalse(rows.contains { $0.type == "probe-late" }, "emitting after the end is refused")
    }

    func testAStateFolderThatCannotBeCreatedIsLoggedAndTheCameraRuns() throws {
        let dir = TestSupport.tempDir("chain-run-state")
        let blocker = TestSupport.write("a file, not a folder", to: "blocker", in: dir)
        let camera = "nostate-\(UUID().uuidString.prefix(6))"
        let out = try runVigil(config(camera: camera, video: try VideoFixtures.movingSquare(frames: 60, startAt: 30)), in: dir,
                               env: ["STATE_DIR": "\(blocker)/state"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stderr.contains("State folder not created; the plugin runs without one"), out.stderr)
        let probed = try rows(camera).filter { $0.type == "probe" }
        XCTAssertFalse(probed.isEmpty, out.stderr)
        XCTAssertTrue(probed.allSatisfy { $0.data["state_dir"] == .null })
    }
}
