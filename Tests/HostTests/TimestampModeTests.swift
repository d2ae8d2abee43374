import Foundation
import PluginAPI
import VigilPostgres
import XCTest

/// Issue 17: a file processed faster than real time. By default frames are stamped when they are
/// read (never in the future); `"timestamps": "media"` keeps the file's own spacing.
/// `vigil run` as a child process, real PostgreSQL and Redis, the probe plugin on every frame.
final class TimestampModeTests: XCTestCase {
    /// 40 frames at 1 frame/s: 39 seconds of video, read in well under a second.
    func slowVideo() throws -> String {
        try VideoFixtures.write("slow", fps: 1, frames: 40) { i, px in for k in 0..<px.count { px[k] = UInt8((i * 5 + k) % 251) } }
    }

    /// Runs vigil on the video; returns the events' timestamps (seconds) and the wall-clock bounds of the run.
    func run(timestamps: String?) throws -> (times: [Double], started: Double, ended: Double) {
        let services = try TestSupport.services()
        let dir = TestSupport.tempDir("timestamps")
        let camera = "ts-\(UUID().uuidString.prefix(6))"
        let mode = timestamps.map { #", "timestamps": "\#($0)""# } ?? ""
        let config = TestSupport.write("""
            {"cameras": [{"id": "\(camera)", "source": "\(try slowVideo())", "detectors": ["probe"]\(mode)}],
             "detectors": [{"name": "probe", "library": "\(DetectorChainTests.probeDir)/libProbe.so", "config": {"motion_only": false}}]}
            """, to: "plugins.json", in: dir)
        let started = Date().timeIntervalSince1970
        let out = try TestSupport.run(TestSupport.vigil, ["run", "--config", config, "--exit-when-done"],
                                      environment: ["DATABASE_URL": services.database, "REDIS_URL": services.redis, "API_PORT": "0",
                                                    "SNAPSHOTS_DIR": "\(dir)/snapshots", "SPOOL_DIR": "\(dir)/spool"],
                                      directory: dir)
        let ended = Date().timeIntervalSince1970
        XCTAssertEqual(out.status, 0, out.stderr)
        let db = try PostgresConnection(services.database)
        let r = try db.query("SELECT extract(epoch FROM timestamp)::float8 FROM events WHERE camera_id = $1 ORDER BY frame_number", [camera])
        return ((0..<r.count).map { Double(r[$0, 0]!)! }, started, ended)
    }

    func testByDefaultNoTimestampIsInTheFuture() throws {
        let run = try run(timestamps: nil)
        XCTAssertEqual(run.times.count, 40)
        XCTAssertLessThanOrEqual(run.times.max()!, run.ended + 0.001, "never after the run ended")
        XCTAssertGreaterThanOrEqual(run.times.min()!, run.started - 0.001)
        XCTAssertEqual(run.times, run.times.sorted(), "in frame order")
        XCTAssertLessThan(run.times.last! - run.times.first!, 39, "faster than the video's own 39 s")
    }

    func testMediaTimestampsKeepTheFilesSpacing() throws {
        let run = try run(timestamps: "media")
        XCTAssertEqual(run.times.count, 40)
        for (i, t) in run.times.enumerated() {
            XCTAssertEqual(t - run.times[0], Double(i), accuracy: 0.001, "one second apart, as filmed")
        }
        XCTAssertGreaterThan(run.times.last!, run.ended, "ahead of the clock: the documented cost of this mode")
    }
}
