import Foundation
import PluginAPI
import VigilPostgres
import XCTest

/// examples/: the Python consumer (redis-py asyncio) and the Swift consumer (a package depending
/// on VigilRedisClient by path), each run against a live `vigil run` with real servers.
final class ExamplesTests: XCTestCase {
    func testPythonAndSwiftConsumersAgainstALiveVigil() throws {
        let services = try TestSupport.services()
        let consumerDir = try TestSupport.buildPackage(at: "\(TestSupport.root)/examples/swift-consumer", name: "SwiftConsumer")
        let tag = UUID().uuidString.prefix(6)
        let camera = "example-\(tag)", queueCamera = "example-q-\(tag)", queue = "example-jobs-\(tag)", channel = "example-\(tag)"
        let dir = TestSupport.tempDir("examples")
        let video = try VideoFixtures.movingSquare(frames: 60, startAt: 10)
        let config = """
            {"plugin_dir": "\(TestSupport.buildDir)",
             "cameras": [{"id": "\(camera)", "source": "\(video)", "loop": true, "realtime": true, "detectors": ["motion"]},
                         {"id": "\(queueCamera)", "source": "redis-queue://\(queue)", "detectors": ["probe"]}],
             "detectors": [{"name": "motion", "library": "libMotion.so", "config": {"snapshot": false}},
                           {"name": "probe", "library": "\(DetectorChainTests.probeDir)/libProbe.so", "config": {"motion_only": false}}]}
            """
        let path = TestSupport.write(config, to: "plugins.json", in: dir)
        let env = ["REDIS_URL": services.redis, "REDIS_CHANNEL_NAME": channel]
        let python = try ChildProcess("/usr/bin/env", ["python3", "\(TestSupport.root)/examples/python/consumer.py", "events",
                                                       "--count", "3", "--camera", camera], environment: env)
        let swift = try ChildProcess("\(consumerDir)/VigilConsumer", ["--count", "3", "--camera", camera], environment: env)
        for child in [python, swift] {
            try RouterFixture.wait("consumer subscribed") { child.stderr.contains("ready") || !child.isRunning }
        }
        let vigil = try ChildProcess(TestSupport.vigil, ["run", "--config", path], environment: env.merging([
            "DATABASE_URL": services.database, "API_PORT": "0", "CAMERA_STATUS_SECONDS": "1",
            "SNAPSHOTS_DIR": "\(dir)/snapshots", "SPOOL_DIR": "\(dir)/spool", "STATE_DIR": "\(dir)/state"]) { _, n in n },
            directory: dir)
        defer { vigil.signal(SIGKILL); vigil.wait() }
        try RouterFixture.wait("both consumers got 3 events", timeout: 60) { !python.isRunning && !swift.isRunning }
        XCTAssertEqual(python.wait(), 0, python.stderr)
        XCTAssertEqual(swift.wait(), 0, swift.stderr)

        let db = try PostgresConnection(services.database)
        func stored(_ id: Int) throws -> String? {
            try db.query("SELECT camera_id FROM events WHERE id = $1", [String(id)]).count == 1
                ? db.query("SELECT event_type FROM events WHERE id = $1", [String(id)])[0, 0] : nil
        }
        let pythonEvents = try python.stdout.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        XCTAssertEqual(pythonEvents.count, 3, python.stdout)
        for event in pythonEvents {
            XCTAssertEqual(event["camera_id"]?.stringValue, camera)
            XCTAssertEqual(try stored(event["id"]!.intValue!), event["event_type"]?.stringValue, "published as saved")
        }
        let swiftLines = swift.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(swiftLines.count, 4, swift.stdout)
        for line in swiftLines.prefix(3) {
            let parts = line.split(separator: " ").map(String.init)
            XCTAssertEqual(parts[1], camera)
            XCTAssertEqual(try stored(Int(parts[0])!), parts[2])
        }
        XCTAssertTrue(swiftLines[3].hasPrefix("status \(camera) online=true fps="), swiftLines[3])
        XCTAssertTrue(swift.stderr.contains("\"status\":\"healthy\""), swift.stderr)

        // The document's detection queue, fed from Python: the job's image runs through the queue camera.
        let status = try TestSupport.run("/usr/bin/env", ["python3", "\(TestSupport.root)/examples/python/consumer.py", "status", camera],
                                         environment: env)
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertEqual(try JSONValue(parsing: status.stdout)["online"], .bool(true))
        let push = try TestSupport.run("/usr/bin/env", ["python3", "\(TestSupport.root)/examples/python/consumer.py", "push-job",
                                                        queue, queueCamera, WorkQueueTests.image], environment: env)
        XCTAssertEqual(push.status, 0, push.stderr)
        try RouterFixture.wait("the pushed job's event saved", timeout: 30) {
            try db.query("SELECT count(*) FROM events WHERE camera_id = $1 AND event_type = 'probe'", [queueCamera])[0, 0] == "1"
        }
        vigil.signal(SIGTERM)
        XCTAssertEqual(vigil.wait(), 0, vigil.stderr)
    }
}
