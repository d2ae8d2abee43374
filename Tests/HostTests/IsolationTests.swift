import Foundation
import PluginAPI
import XCTest

/// `"isolation": "process"`: misbehaving plugins built in the test (Tests/Fixtures/BadPlugins:
/// Crashy, CrashySink, CrashAtLoad) run in workers of a real `vigil run` (child process, real
/// PostgreSQL and Redis). In every case the other camera's events are saved and published, the
/// API answers, the bad plugin is restarted or disabled, and the log says so in one line.
final class IsolationTests: XCTestCase {
    static var fixtures: String { DetectorChainTests.probeDir }

    /// Two cameras, both paced like live ones: "good" with an in-process ticker (an event every
    /// 10th frame), "bad" with `bad` (a detectors[] entry named "bad") in a worker.
    func twoCameras(_ bad: String, good: String, badCamera: String) throws -> String {
        let square = try VideoFixtures.movingSquare(frames: 120)
        return """
            {"cameras": [{"id": "\(good)", "source": "\(square)", "loop": true, "realtime": true, "detectors": ["ticker"]},
                         {"id": "\(badCamera)", "source": "\(square)", "loop": true, "realtime": true, "detectors": ["bad"]}],
             "detectors": [{"name": "ticker", "library": "\(Self.fixtures)/libCrashy.so", "config": {"mode": "none"}},
                           \(bad)]}
            """
    }

    /// Runs the scenario until `done` holds; checks what every case must show; returns the run.
    func scenario(_ bad: String, timeout: Double = 40, until done: (RunningVigil) -> Bool,
                  check: (RunningVigil, String) -> Void) throws {
        let good = "good-\(UUID().uuidString.prefix(6))", badCamera = "bad-\(UUID().uuidString.prefix(6))"
        let vigil = try RunningVigil(config: try twoCameras(bad, good: good, badCamera: badCamera))
        RouterFixture.wait("the failure to be handled", timeout: timeout) { done(vigil) || !vigil.child.isRunning }
        XCTAssertTrue(vigil.child.isRunning, "vigil is still running:\n\(vigil.log)")
        // The API answers, and reports the plugin's isolation counters.
        XCTAssertNotNil(vigil.status(), "GET / answers")
        check(vigil, badCamera)
        let metrics = vigil.metrics().split(separator: "\n")
        XCTAssertTrue(metrics.contains { $0.hasPrefix("vigil_plugin_restarts{") && $0.contains(badCamera) }, metrics.joined(separator: "\n"))
        // The good camera keeps producing: two more events after the failure was handled.
        let before = try RunningVigil.rows(camera: good).count
        RouterFixture.wait("the good camera's events after the failure", timeout: 20) {
            ((try? RunningVigil.rows(camera: good).count) ?? 0) >= before + 2
        }
        XCTAssertEqual(vigil.stop(), 0, "SIGTERM shuts down gracefully:\n\(vigil.log)")
        let saved = try RunningVigil.rows(camera: good).map(\.id) + RunningVigil.rows(camera: badCamera).map(\.id)
        let published = vigil.subscriber.payloads().compactMap { try? JSONValue(parsing: $0)["id"]?.intValue }
        XCTAssertGreaterThan(saved.count, 2)
        XCTAssertEqual(published.sorted(), saved.sorted(), "every saved event was published")
    }

    func testADetectorCrashingOnFrame20IsRestarted() throws {
        try scenario(#"{"name": "bad", "library": "\#(Self.fixtures)/libCrashy.so", "isolation": "process", "config": {"mode": "crash", "at_frame": 20}}"#,
                     until: { !$0.lines("Plugin worker crashed; restarting it").isEmpty }) { vigil, camera in
            let lines = vigil.lines("Plugin worker crashed; restarting it")
            XCTAssertEqual(lines.count, 1, vigil.log)
            let line = lines.first ?? ""
            for part in ["plugin.name=bad", "camera.id=\(camera)", "frame=20", "cause=signal 4 (SIGILL)", "Index out of range"] {
                XCTAssertTrue(line.contains(part), "\(part) in: \(line)")
            }
            XCTAssertFalse(vigil.lines("crashy: indexing out of bounds on frame 20").filter { $0.contains("camera.id=\(camera)") }.isEmpty,
                           "the worker's output is in vigil's log with the camera:\n\(vigil.log)")
            RouterFixture.wait("events of the restarted detector") {
                ((try? RunningVigil.rows(camera: camera)) ?? []).contains { $0.frame > 20 }
            }
            let counters = vigil.isolation(camera: camera, detector: "bad")
            XCTAssertEqual(counters?["crashes"]?.intValue, 1, "\(String(describing: counters))")
            XCTAssertEqual(counters?["restarts"]?.intValue, 1)
            XCTAssertEqual(counters?["disabled"]?.boolValue, false)
            XCTAssertNotNil(counters?["pid"]?.intValue, "a worker runs again")
        }
    }

    func testAHangingDetectorIsKilledRestartedAndDisabledAfterNFailures() throws {
        try scenario(#"{"name": "bad", "library": "\#(Self.fixtures)/libCrashy.so", "isolation": "process", "hang_timeout_ms": 500, "max_restarts": 2, "config": {"mode": "hang", "at_frame": 20, "repeat": true}}"#,
                     until: { !$0.lines("Plugin disabled").isEmpty }) { vigil, camera in
            XCTAssertEqual(vigil.lines("Plugin worker hung; killed it, restarting").count, 2, vigil.log)
            let disabled = vigil.lines("Plugin disabled: its worker failed too often")
            XCTAssertEqual(disabled.count, 1, vigil.log)
            for part in ["plugin.name=bad", "camera.id=\(camera)", "frame=", "no answer within 500 ms", "failures=3"] {
                XCTAssertTrue(disabled.first?.contains(part) == true, "\(part) in: \(disabled.first ?? "")")
            }
            let counters = vigil.isolation(camera: camera, detector: "bad")
            XCTAssertEqual(counters?["hangs"]?.intValue, 3, "\(String(describing: counters))")
            XCTAssertEqual(counters?["restarts"]?.intValue, 2)
            XCTAssertEqual(counters?["disabled"]?.boolValue, true)
            XCTAssertGreaterThan(counters?["skipped_frames"]?.intValue ?? 0, 0, "frames after disabling are skipped and counted")
        }
    }

    func testALeakingDetectorHitsItsMemoryLimitAndIsRestartedNotTheHost() throws {
        try scenario(#"{"name": "bad", "library": "\#(Self.fixtures)/libCrashy.so", "isolation": "process", "max_memory_mb": 300, "max_restarts": 3, "config": {"mode": "leak", "leak_mb": 64}}"#,
                     until: { $0.lines("Plugin worker crashed; restarting it").count >= 2 }) { vigil, camera in
            let line = vigil.lines("Plugin worker crashed; restarting it").first ?? ""
            XCTAssertTrue(line.contains("out of memory (max_memory_mb 300)"), line)
            XCTAssertTrue(line.contains("camera.id=\(camera)"), line)
            // The host itself stays small: the leak was the worker's.
            let rss = (try? String(contentsOfFile: "/proc/\(vigil.child.pid)/status", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            let kb = rss.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
            XCTAssertLessThan(kb, 300 * 1024, "vigil's own memory: \(rss ?? "?")")
            XCTAssertGreaterThanOrEqual(vigil.isolation(camera: camera, detector: "bad")?["crashes"]?.intValue ?? 0, 2)
        }
    }

    func testADetectorCallingExitIsRestarted() throws {
        try scenario(#"{"name": "bad", "library": "\#(Self.fixtures)/libCrashy.so", "isolation": "process", "config": {"mode": "exit", "at_frame": 20}}"#,
                     until: { !$0.lines("Plugin worker exited; restarting it").isEmpty }) { vigil, camera in
            let lines = vigil.lines("Plugin worker exited; restarting it")
            XCTAssertEqual(lines.count, 1, vigil.log)
            XCTAssertTrue(lines.first?.contains("cause=exit status 0") == true, lines.first ?? "")
            XCTAssertTrue(lines.first?.contains("frame=20") == true, lines.first ?? "")
            RouterFixture.wait("events of the restarted detector") {
                ((try? RunningVigil.rows(camera: camera)) ?? []).contains { $0.frame > 20 }
            }
        }
    }

    func testAPluginCrashingAtLoadIsReportedByCheckAndDisabledByRun() throws {
        let dir = TestSupport.tempDir()
        let config = TestSupport.write("""
            {"cameras": [], "detectors": [
                {"name": "ticker", "library": "\(Self.fixtures)/libCrashy.so"},
                {"name": "loader", "library": "\(Self.fixtures)/libCrashAtLoad.so", "isolation": "process"}]}
            """, to: "p.json", in: dir)
        let check = try TestSupport.run(TestSupport.vigil, ["check", "--config", config])
        XCTAssertEqual(check.status, 1, check.stderr)
        XCTAssertTrue(check.stdout.contains("ticker kind=detector plugin=crashy"), check.stdout)
        XCTAssertTrue(check.stderr.contains("detectors[1] (loader): the plugin crashed while loading in its worker (signal 4 (SIGILL))"),
                      check.stderr)
        XCTAssertTrue(check.stderr.contains("Index out of range"), check.stderr)

        try scenario(#"{"name": "bad", "library": "\#(Self.fixtures)/libCrashAtLoad.so", "isolation": "process", "max_restarts": 1}"#,
                     until: { !$0.lines("Plugin disabled").isEmpty }) { vigil, camera in
            XCTAssertEqual(vigil.lines("Plugin disabled: its worker failed too often").count, 1, vigil.log)
            XCTAssertEqual(vigil.lines("Plugin worker crashed; restarting it").count, 1, vigil.log)
            XCTAssertEqual(vigil.isolation(camera: camera, detector: "bad")?["disabled"]?.boolValue, true)
        }
    }

    func testASinkCrashingMidDeliveryLosesNothingAndDeliversOnce() throws {
        let square = try VideoFixtures.movingSquare(frames: 120)
        let camera = "sink-\(UUID().uuidString.prefix(6))"
        let vigil = try RunningVigil(config: """
            {"cameras": [{"id": "\(camera)", "source": "\(square)", "detectors": ["ticker"]}],
             "detectors": [{"name": "ticker", "library": "\(Self.fixtures)/libCrashy.so", "config": {"mode": "none"}}],
             "sinks": [{"name": "crashy", "library": "\(Self.fixtures)/libCrashySink.so", "isolation": "process",
                        "delivery": {"backoff_base_ms": 50, "max_attempts": 10, "concurrency": 1}, "config": {"crash_on": 3}}]}
            """, env: ["SINK_DRAIN_SECONDS": "20"], exitWhenDone: true)
        XCTAssertEqual(vigil.child.wait(), 0, vigil.log)
        vigil.subscriber.stop()
        let rows = try RunningVigil.rows(camera: camera).map(\.id)
        XCTAssertEqual(rows.count, 12, vigil.log)
        let delivered = try String(contentsOfFile: "\(vigil.dir)/state/crashy/delivered.txt", encoding: .utf8)
            .split(separator: "\n").compactMap { Int($0) }
        // A new sink starts at the newest event when it first starts (README, "Sinks"): the camera's
        // first event may be saved before that. Every event from the sink's first one on is
        // delivered exactly once, including the one whose attempt crashed the worker.
        let first = try XCTUnwrap(delivered.min())
        XCTAssertLessThanOrEqual(rows.firstIndex(of: first) ?? 99, 1, "at most the first event predates the sink")
        XCTAssertEqual(delivered.sorted(), rows.filter { $0 >= first }, "every event delivered exactly once:\n\(vigil.log)")
        let crashed = vigil.lines("Plugin worker crashed; restarting it")
        XCTAssertEqual(crashed.count, 1, vigil.log)
        XCTAssertTrue(crashed.first?.contains("plugin.name=crashy") == true, crashed.first ?? "")
        XCTAssertTrue(vigil.log.contains("crashy-sink: crashing while delivering event"), "worker output forwarded")
    }

    func testMotionIsolatedFindsTheSameEventsAsInProcess() throws {
        let video = "\(TestSupport.data)/video/vtest.avi"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: video), "shared test data not present")
        let here = "inproc-\(UUID().uuidString.prefix(6))", there = "isolated-\(UUID().uuidString.prefix(6))"
        let vigil = try RunningVigil(config: """
            {"plugin_dir": "\(TestSupport.buildDir)",
             "cameras": [{"id": "\(here)", "source": "\(video)", "detect_fps": 10, "timestamps": "media", "detectors": ["motion"]},
                         {"id": "\(there)", "source": "\(video)", "detect_fps": 10, "timestamps": "media", "detectors": ["motion-isolated"]}],
             "detectors": [{"name": "motion", "library": "libMotion.so"},
                           {"name": "motion-isolated", "library": "libMotion.so", "isolation": "process"}]}
            """, exitWhenDone: true)
        XCTAssertEqual(vigil.child.wait(), 0, vigil.log)
        vigil.subscriber.stop()
        let a = try RunningVigil.rows(camera: here), b = try RunningVigil.rows(camera: there)
        XCTAssertGreaterThanOrEqual(a.count, 3)
        XCTAssertEqual(b.map(\.frame), a.map(\.frame), "same frames")
        XCTAssertEqual(b.map(\.type), a.map(\.type))
        XCTAssertEqual(b.map(\.data), a.map(\.data), "same event data")
        let snapshots = try FileManager.default.subpathsOfDirectory(atPath: "\(vigil.dir)/snapshots").filter { $0.hasSuffix(".png") }
        XCTAssertEqual(snapshots.filter { $0.contains(there) }.count, snapshots.filter { $0.contains(here) }.count,
                       "the isolated detector's snapshots (frames referenced in shared memory) are written too")
    }
}
