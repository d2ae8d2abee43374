import XCTest
@testable import VigilConfig
@testable import VigilPlugins
@testable import VigilPipeline
import VigilPostgres

/// Plugin files that used to crash the loader (issue 15), met as a user meets them: `vigil check`
/// and `vigil run` as fresh child processes (in-process, a library an earlier test loaded is never
/// really unmapped, which hides the crash).
final class BadPluginFileTests: XCTestCase {
    struct BadFile { let name: String; let library: String; let kind: String; let message: String }

    /// Each bad file, where it goes in plugins.json, and the words its one error line must hold.
    func badFiles(in dir: String) throws -> [BadFile] {
        let motion = "\(TestSupport.buildDir)/libMotion.so", webhook = "\(TestSupport.buildDir)/libWebhook.so"
        let real = try Data(contentsOf: URL(fileURLWithPath: motion))
        func file(_ name: String, _ bytes: Data) -> String {
            let path = "\(dir)/\(name)"
            FileManager.default.createFile(atPath: path, contents: bytes)
            return path
        }
        let truncated = file("libTruncated.so", real.prefix(1000))
        let half = file("libHalf.so", real.prefix(real.count / 2))
        let empty = file("libEmpty.so", Data())
        let garbage = file("libGarbage.so", Data([0x7F, 0x45, 0x4C, 0x46]) + Data(repeating: 0x78, count: 300))
        var arm = real
        arm[18] = 183; arm[19] = 0  // e_machine: EM_AARCH64
        let foreign = file("libForeign.so", arm)
        let unreadable = file("libUnreadable.so", real)
        chmod(unreadable, 0)
        let folder = "\(dir)/libFolder.so"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return [
            BadFile(name: "detector-as-sink", library: motion, kind: "sinks", message: "\(motion) is a detector plugin (\"motion\"), not a sink"),
            BadFile(name: "sink-as-detector", library: webhook, kind: "detectors", message: "\(webhook) is a sink plugin (\"webhook\"), not a detector"),
            BadFile(name: "truncated", library: truncated, kind: "detectors", message: "plugin library \(truncated) is truncated or not a shared library: loadable segment"),
            BadFile(name: "half", library: half, kind: "detectors", message: "plugin library \(half) is truncated or not a shared library: "),
            BadFile(name: "empty", library: empty, kind: "detectors", message: "plugin library \(empty) is truncated or not a shared library: the file has only 0 bytes"),
            BadFile(name: "garbage", library: garbage, kind: "sinks", message: "plugin library \(garbage) is truncated or not a shared library: a corrupt ELF header"),
            BadFile(name: "foreign", library: foreign, kind: "detectors", message: "plugin library \(foreign) cannot run here: it is built for aarch64, this vigil runs on x86_64"),
            BadFile(name: "unreadable", library: unreadable, kind: "detectors", message: "plugin library \(unreadable) cannot be read: no permission to read it"),
            BadFile(name: "folder", library: folder, kind: "detectors", message: "plugin library \(folder) cannot be read: it is a directory"),
        ]
    }

    func testCheckGivesOneErrorLineForEachBadFile() throws {
        let dir = TestSupport.tempDir("bad-plugins")
        for bad in try badFiles(in: dir) {
            let config = TestSupport.write("""
                {"cameras": [], "\(bad.kind)": [{"name": "\(bad.name)", "library": "\(bad.library)"}]}
                """, to: "\(bad.name).json", in: dir)
            let out = try TestSupport.run(TestSupport.vigil, ["check", "--config", config])
            XCTAssertEqual(out.status, 1, "\(bad.name): \(out.stderr)")
            let errors = out.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
            XCTAssertEqual(errors.count, 1, "\(bad.name): one error line\n\(out.stderr)")
            XCTAssertTrue(errors.first?.contains("\(bad.kind)[0] (\(bad.name)): \(bad.message)") ?? false, "\(bad.name): \(out.stderr)")
            for crash in ["Backtrace", "Fatal error", "Segmentation", "Bus error", "Crash", "Signal"] {
                XCTAssertFalse(out.stderr.contains(crash), "\(bad.name): \(out.stderr)")
            }
        }
    }

    func testRunKeepsTheGoodCameraGoingPastEveryBadFile() throws {
        let services = try TestSupport.services()
        let dir = TestSupport.tempDir("bad-plugins-run")
        let bad = try badFiles(in: dir)
        let camera = "good-\(UUID().uuidString.prefix(6))"
        let detectors = bad.filter { $0.kind == "detectors" }, sinks = bad.filter { $0.kind == "sinks" }
        func entries(_ list: [BadFile]) -> String {
            list.map { "{\"name\": \"\($0.name)\", \"library\": \"\($0.library)\"}" }.joined(separator: ", ")
        }
        let square = try VideoFixtures.movingSquare(frames: 120)
        let names = (["motion"] + detectors.map(\.name)).map { "\"\($0)\"" }.joined(separator: ", ")
        let config = TestSupport.write("""
            {"plugin_dir": "\(TestSupport.buildDir)",
             "cameras": [{"id": "\(camera)", "source": "\(square)", "detectors": [\(names)]}],
             "detectors": [{"name": "motion", "library": "libMotion.so", "config": {"cooldown_seconds": 1}}, \(entries(detectors))],
             "sinks": [\(entries(sinks))]}
            """, to: "plugins.json", in: dir)
        let out = try TestSupport.run(TestSupport.vigil, ["run", "--config", config, "--exit-when-done"], environment: [
            "DATABASE_URL": services.database, "REDIS_URL": services.redis, "API_PORT": "0",
            "SNAPSHOTS_DIR": "\(dir)/snapshots", "SPOOL_DIR": "\(dir)/spool", "DEAD_LETTER_DIR": "\(dir)/dead-letter",
        ], directory: dir)
        XCTAssertEqual(out.status, 0, out.stderr)
        for file in bad { XCTAssertTrue(out.stderr.contains(file.message), "\(file.name) is reported:\n\(out.stderr)") }
        let db = try PostgresConnection(services.database)
        let rows = try db.query("SELECT count(*) FROM events WHERE camera_id = $1", [camera])
        XCTAssertGreaterThanOrEqual(Int(rows[0, 0] ?? "0") ?? 0, 2, "the good camera's motion events are saved\n\(out.stderr)")
    }
}
