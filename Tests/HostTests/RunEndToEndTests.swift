import PluginAPI
@testable import VigilConfig
import VigilPostgres
import XCTest

/// `vigil run` as a process, on real video, with real PostgreSQL, Redis and a subscriber.
final class RunEndToEndTests: XCTestCase {
    struct Run { let output: TestSupport.Output; let dir: String; let channel: String }

    func run(config: String, env extra: [String: String] = [:], subscriber: ((String) throws -> SubscriberProcess)? = nil)
        throws -> (Run, SubscriberProcess?) {
        let services = try TestSupport.services()
        let dir = TestSupport.tempDir("run")
        let channel = "e2e-\(UUID().uuidString.prefix(8))"
        let sub = try subscriber?(channel)
        let path = TestSupport.write(config, to: "plugins.json", in: dir)
        var env = ["DATABASE_URL": services.database, "REDIS_URL": services.redis, "REDIS_CHANNEL_NAME": channel,
                   "SNAPSHOTS_DIR": "\(dir)/snapshots", "SPOOL_DIR": "\(dir)/spool", "API_PORT": "0"]
        env.merge(extra) { _, n in n }
        let output = try TestSupport.run(TestSupport.vigil, ["run", "--config", path, "--exit-when-done"],
                                         environment: env, directory: dir)
        return (Run(output: output, dir: dir, channel: channel), sub)
    }

    func rows(camera: String) throws -> [(id: Int, frame: Int, type: String, snapshot: String?)] {
        let db = try PostgresConnection(try TestSupport.services().database)
        let r = try db.query("SELECT id, frame_number, event_type, snapshot_path FROM events WHERE camera_id = $1 ORDER BY id", [camera])
        return (0..<r.count).map { (Int(r[$0, 0]!)!, Int(r[$0, 1]!)!, r[$0, 2]!, r[$0, 3]) }
    }

    func testRunOnVtestSavesPublishesAndSnapshotsMotion() throws {
        let video = "\(TestSupport.data)/video/vtest.avi"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: video), "shared test data not present")
        let camera = "vtest-\(UUID().uuidString.prefix(6))"
        let redis = try RedisAddress(url: try TestSupport.services().redis)
        let (run, sub) = try run(config: """
            {"plugin_dir": "\(TestSupport.buildDir)",
             "cameras": [{"id": "\(camera)", "source": "\(video)", "detect_fps": 10, "timestamps": "media", "detectors": ["motion"]}],
             "detectors": [{"name": "motion", "library": "libMotion.so"}]}
            """, subscriber: { try SubscriberProcess(redisCLI: redis, channel: $0) })
        defer { sub?.stop() }
        XCTAssertEqual(run.output.status, 0, run.output.stderr)
        let rows = try rows(camera: camera)
        XCTAssertGreaterThanOrEqual(rows.count, 3, run.output.stderr)
        XCTAssertTrue(rows.allSatisfy { $0.type == "motion" })
        RouterFixture.wait("subscriber got every event") { sub!.payloads().count == rows.count }
        let published = try sub!.payloads().map { try JSONValue(parsing: $0)["id"]!.intValue! }
        XCTAssertEqual(published, rows.map(\.id), "the subscriber receives exactly the saved events, in order")

        let withSnapshots = rows.filter { $0.snapshot != nil }
        XCTAssertFalse(withSnapshots.isEmpty)
        for row in withSnapshots {
            let path = try XCTUnwrap(row.snapshot)
            XCTAssertNotNil(path.range(of: #"^snapshots/\d{4}-\d\d-\d\d/\#(camera)/motion_\#(row.frame)_\d+\.png$"#,
                                       options: .regularExpression), path)
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(run.dir)/\(path)"))
            XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(path) is a PNG")
        }
    }

    func testOneBadCameraOrPluginDoesNotStopTheOthers() throws {
        let square = try VideoFixtures.movingSquare(frames: 120)
        let good = "good-\(UUID().uuidString.prefix(6))"
        let blocker = TestSupport.write("a file, so no folder can be made under it", to: "blocker", in: TestSupport.tempDir())
        let (run, _) = try run(config: """
            {"plugin_dir": "\(TestSupport.buildDir)",
             "cameras": [{"id": "missing", "source": "/nonexistent/cam.mp4", "detectors": ["motion"]},
                         {"id": "\(good)", "source": "\(square)", "detectors": ["motion", "broken"]}],
             "detectors": [{"name": "motion", "library": "libMotion.so", "config": {"cooldown_seconds": 1}},
                           {"name": "broken", "library": "libDoesNotExist.so"}]}
            """, env: ["SNAPSHOTS_DIR": "\(blocker)/snapshots"])
        XCTAssertEqual(run.output.status, 0, run.output.stderr)
        XCTAssertTrue(run.output.stderr.contains("Camera source cannot be opened"), run.output.stderr)
        XCTAssertTrue(run.output.stderr.contains("/nonexistent/cam.mp4: no such file or folder"), run.output.stderr)
        XCTAssertTrue(run.output.stderr.contains("detectors[1] (broken): plugin library"), run.output.stderr)
        XCTAssertTrue(run.output.stderr.contains("Snapshot not written"), run.output.stderr)
        let rows = try rows(camera: good)
        XCTAssertGreaterThanOrEqual(rows.count, 2, "the good camera's events are saved")
        XCTAssertTrue(rows.allSatisfy { $0.snapshot == nil }, "an unwritable snapshot folder leaves snapshot_path null")
    }

    func testRunDeliversSavedEventsToAWebhookSink() async throws {
        let server = try await ScriptedHTTPServer()
        let square = try VideoFixtures.movingSquare()
        let camera = "hook-\(UUID().uuidString.prefix(6))"
        let (run, _) = try run(config: """
            {"plugin_dir": "\(TestSupport.buildDir)",
             "cameras": [{"id": "\(camera)", "source": "\(square)", "detectors": ["motion"]}],
             "detectors": [{"name": "motion", "library": "libMotion.so"}],
             "sinks": [{"name": "e2e-\(camera)", "library": "libWebhook.so",
                        "config": {"url": "\(server.url("e2e"))", "secret_env": "E2E_SECRET"}}]}
            """, env: ["E2E_SECRET": "shh", "DEAD_LETTER_DIR": "dl"])
        await server.stop()
        XCTAssertEqual(run.output.status, 0, run.output.stderr)
        let rows = try rows(camera: camera)
        XCTAssertGreaterThanOrEqual(rows.count, 2, run.output.stderr)
        let delivered = server.requests("e2e").compactMap { try? JSONValue(parsing: $0.text)["id"]?.intValue }
        XCTAssertEqual(delivered.sorted(), rows.map(\.id), "every saved event reached the webhook before vigil exited")
        XCTAssertTrue(server.requests("e2e").allSatisfy { $0.headers["webhook-signature"]?.hasPrefix("v1,") == true })
    }

    func testCheckCommandListsShippedPluginsAndRefusesBadConfig() throws {
        let ok = try TestSupport.run(TestSupport.vigil, ["check"], directory: TestSupport.root)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let lines = ok.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.contains(" abi=1 ") }.map { String($0.prefix { $0 != " " }) },
                       ["motion", "tracking", "anpr"])
        XCTAssertEqual(lines.last, "ok: 3 plugins, 1 cameras")

        // The shipped example sink, enabled: checked with its secret, refused without it.
        let dir = TestSupport.tempDir()
        let shipped = try String(contentsOfFile: "\(TestSupport.root)/plugins.json", encoding: .utf8)
        let enabled = TestSupport.write(shipped.replacingOccurrences(of: "\"enabled\": false", with: "\"enabled\": true"),
                                        to: "enabled.json", in: dir)
        let withSecret = try TestSupport.run(TestSupport.vigil, ["check", "--config", enabled],
                                             environment: ["VIGIL_WEBHOOK_SECRET": "s3cret", "PATH": "/usr/bin:/bin"])
        XCTAssertEqual(withSecret.status, 0, withSecret.stderr)
        XCTAssertTrue(withSecret.stdout.contains("alerts kind=sink plugin=webhook"), withSecret.stdout)
        XCTAssertTrue(withSecret.stdout.contains("ok: 4 plugins, 1 cameras"), withSecret.stdout)
        let noSecret = try TestSupport.run(TestSupport.vigil, ["check", "--config", enabled], environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(noSecret.status, 1)
        XCTAssertTrue(noSecret.stderr.contains("sinks[0] (alerts): the plugin rejected its config: sinks[0].config.secret_env"), noSecret.stderr)

        let bad = TestSupport.write(#"{"cameras": [{"id": "a", "source": "x"}, {"id": "a", "source": "y"}]}"#, to: "p.json", in: dir)
        let r = try TestSupport.run(TestSupport.vigil, ["check", "--config", bad])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines),
                       #"error: \#(bad): cameras[1].id: duplicate camera id "a" (already used by cameras[0])"#)
        let broken = TestSupport.write(#"{"detectors": [{"name": "z", "library": "/usr/lib/x86_64-linux-gnu/libz.so.1"}]}"#, to: "q.json", in: dir)
        let r2 = try TestSupport.run(TestSupport.vigil, ["check", "--config", broken])
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.stderr.contains("detectors[0] (z): /usr/lib/x86_64-linux-gnu/libz.so.1 is not a vigil plugin"), r2.stderr)
    }

    func testADeadStreamIsRetriedWithBackoffWhileOtherCamerasRun() throws {
        let services = try TestSupport.services()
        let square = try VideoFixtures.movingSquare(frames: 120)
        let good = "live-\(UUID().uuidString.prefix(6))"
        let dir = TestSupport.tempDir("run")
        let config = TestSupport.write("""
            {"plugin_dir": "\(TestSupport.buildDir)",
             "cameras": [{"id": "dead", "source": "rtsp://127.0.0.1:9/stream", "detectors": ["motion"]},
                         {"id": "\(good)", "source": "\(square)", "loop": true, "detectors": ["motion"]}],
             "detectors": [{"name": "motion", "library": "libMotion.so", "config": {"cooldown_seconds": 1}}]}
            """, to: "plugins.json", in: dir)
        let vigil = try ChildProcess(TestSupport.vigil, ["run", "--config", config], environment: [
            "DATABASE_URL": services.database, "REDIS_URL": services.redis, "SPOOL_DIR": "\(dir)/spool", "API_PORT": "0",
            "SNAPSHOTS_DIR": "\(dir)/snapshots", "REDIS_CHANNEL_NAME": "live-\(UUID().uuidString.prefix(6))"])
        RouterFixture.wait("two retries of the dead stream", timeout: 30) {
            vigil.stderr.components(separatedBy: "Camera stream unavailable, retrying").count - 1 >= 2
        }
        RouterFixture.wait("events from the good camera", timeout: 30) { (try? rows(camera: good).count ?? 0) ?? 0 >= 2 }
        vigil.signal(SIGTERM)
        XCTAssertEqual(vigil.wait(), 0, "SIGTERM shuts down gracefully")
        let log = vigil.stderr
        XCTAssertTrue(log.contains("retry_in_s=1.0") && log.contains("retry_in_s=2.0"), "exponential backoff:\n\(log)")
        XCTAssertTrue(log.contains("vigil stopped"), log)
    }
}
