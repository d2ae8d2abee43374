import Foundation
import PluginAPI
@testable import VigilSinks
import XCTest

/// `vigil dead-letter replay` never drops an entry it cannot read: it stays in the file and is reported.
final class DeadLetterReplayTests: XCTestCase {
    func testUnreadableEntriesStayInTheFileAndAreReported() async throws {
        let server = try await ScriptedHTTPServer()
        let dir = TestSupport.tempDir("dl-replay")
        let n = "dlr-\(UUID().uuidString.prefix(6))"
        let good = #"{"id": 41, "event_type": "motion", "camera_id": "c1", "timestamp": "2024-10-11T12:34:56.789Z", "frame_number": 7, "snapshot_path": null, "event_data": {"a": 1}, "created_at": "2024-10-11T12:34:56.789123"}"#
        let noID = #"{"event_type": "motion", "camera_id": "c1", "timestamp": "2024-10-11T12:34:56.789Z", "frame_number": 8, "snapshot_path": null, "event_data": {}, "created_at": "2024-10-11T12:34:56.789123"}"#
        let lines = [
            #"{"sink": "\#(n)", "event_id": 41, "attempts": 8, "reason": "HTTP 500", "failed_at": "2024-10-11T12:35:00.000Z", "event": \#(good)}"#,
            #"{"sink": "\#(n)", "event_id": 42, "attempts": 8, "reason": "HTTP 500", "failed_at": "2024-10-11T12:35:00.000Z", "event": \#(noID)}"#,
        ]
        let path = "\(dir)/\(n).jsonl"
        FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let config = TestSupport.write("""
            {"plugin_dir": "\(TestSupport.buildDir)", "sinks": [{"name": "\(n)", "library": "libWebhook.so",
             "config": {"url": "\(server.url("replay"))", "secret_env": "TEST_WEBHOOK_SECRET"}}]}
            """, to: "plugins.json", in: dir)
        let out = try TestSupport.run(TestSupport.vigil, ["dead-letter", "replay", "--sink", n, "--config", config, "--file", path],
                                      environment: ["TEST_WEBHOOK_SECRET": "s", "PATH": "/usr/bin:/bin"], directory: dir)
        await server.stop()
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(server.requests("replay").map(\.text), [good])
        XCTAssertTrue(out.stdout.contains("replay sink=\(n) events=1 delivered=1 dead_lettered=0 unreadable=1"), out.stdout)
        XCTAssertTrue(out.stderr.contains("Dead-letter entry not readable, kept"), out.stderr)
        let left = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(left, lines[1] + "\n", "the unreadable entry stays, the delivered one is gone")
    }
}
