import Foundation
import HostRedis
import Logging
import PluginAPI
import VigilRedis
import VigilRedisClient
import XCTest

/// The host's use of the Redis library with a real server: the store plugins get through their
/// context, and each camera's status in the cache (`camera:<id>:status`) while `vigil run` runs.
final class HostRedisTests: XCTestCase {
    func redisURL() throws -> String { try TestSupport.services().redis }

    func raw() throws -> RedisConnection {
        let url = try XCTUnwrap(URLComponents(string: try redisURL()))
        return try RedisConnection(host: url.host!, port: url.port!)
    }

    func testPluginStoreIsTheCacheAndQueues() async throws {
        let client = RedisClient(configuration: try RedisConfiguration(url: try redisURL()), logger: Logger(label: "test"))
        try await client.connect()
        let store: any SharedStore = RedisSharedStore(client: client)
        let key = "plugin-test:\(UUID().uuidString.prefix(6))"
        try await store.set(key, "{\"plates\": 3}", ttl: .seconds(60))
        let value = try await store.get(key)
        XCTAssertEqual(value, "{\"plates\": 3}", "strings stay as they are")
        let ttl = try raw().command(["TTL", key])
        guard case .integer(let seconds) = ttl else { return XCTFail("\(ttl)") }
        XCTAssertTrue((55...60).contains(seconds), "\(seconds)")
        let exists = try await store.exists(key)
        XCTAssertTrue(exists)
        try await store.push("a", to: key + ":q")
        try await store.push("b", to: key + ":q")
        let length = try await store.length(of: key + ":q")
        XCTAssertEqual(length, 2)
        let first = try await store.pop(from: key + ":q", timeout: nil)
        let second = try await store.pop(from: key + ":q", timeout: .milliseconds(100))
        let none = try await store.pop(from: key + ":q", timeout: .milliseconds(100))
        XCTAssertEqual([first, second, none], ["a", "b", nil])
        let deleted = try await store.delete([key, key + ":missing"])
        XCTAssertEqual(deleted, 1)
        await client.disconnect()
    }

    func testVigilRunKeepsCameraStatusInTheCache() throws {
        let services = try TestSupport.services()
        let dir = TestSupport.tempDir("camera-status")
        let camera = "status-\(UUID().uuidString.prefix(6))"
        let video = try VideoFixtures.movingSquare(frames: 60, startAt: 30)
        let config = """
            {"plugin_dir": "\(TestSupport.buildDir)",
             "cameras": [{"id": "\(camera)", "source": "\(video)", "loop": true, "realtime": true, "detectors": ["motion"]}],
             "detectors": [{"name": "motion", "library": "libMotion.so", "config": {"snapshot": false}}]}
            """
        let path = TestSupport.write(config, to: "plugins.json", in: dir)
        let child = try ChildProcess(TestSupport.vigil, ["run", "--config", path], environment: [
            "DATABASE_URL": services.database, "REDIS_URL": services.redis, "API_PORT": "0", "CAMERA_STATUS_SECONDS": "0.5",
            "SNAPSHOTS_DIR": "\(dir)/snapshots", "SPOOL_DIR": "\(dir)/spool", "STATE_DIR": "\(dir)/state"], directory: dir)
        defer { child.signal(SIGKILL); child.wait() }
        let redis = try raw()
        let key = "camera:\(camera):status"
        var status: JSONValue?
        try RouterFixture.wait("camera online with its fps", timeout: 30) {
            guard let text = try redis.command(["GET", key]).text else { return false }
            status = try JSONValue(parsing: text)
            return status?["online"] == .bool(true) && (status?["fps"]?.doubleValue ?? 0) > 1
        }
        XCTAssertEqual(Set(status?.objectValue?.map(\.key) ?? []), ["online", "fps"])
        guard case .integer(let ttl) = try redis.command(["TTL", key]) else { return XCTFail() }
        XCTAssertTrue((290...300).contains(ttl), "TTL 300 s, refreshed: \(ttl)")
        child.signal(SIGTERM)
        XCTAssertEqual(child.wait(), 0, child.stderr)
        let last = try JSONValue(parsing: try XCTUnwrap(redis.command(["GET", key]).text))
        XCTAssertEqual(last["online"], .bool(false), "offline after shutdown")
    }
}
