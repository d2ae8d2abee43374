import Foundation
import PluginAPI
@testable import VigilConfig
import VigilPostgres
import XCTest

/// `vigil run` as a child process with real PostgreSQL and Redis, a subscriber on its channel and
/// its REST API on a free port, for the process-isolation tests.
final class RunningVigil {
    let child: ChildProcess
    let dir: String
    let port: Int
    let subscriber: SubscriberProcess

    init(config: String, env extra: [String: String] = [:], exitWhenDone: Bool = false) throws {
        let services = try TestSupport.services()
        dir = TestSupport.tempDir("isolation")
        let channel = "iso-\(UUID().uuidString.prefix(8))"
        subscriber = try SubscriberProcess(redisCLI: try RedisAddress(url: services.redis), channel: channel)
        port = Self.freePort()
        let path = TestSupport.write(config, to: "plugins.json", in: dir)
        var env = ["DATABASE_URL": services.database, "REDIS_URL": services.redis, "REDIS_CHANNEL_NAME": channel,
                   "SNAPSHOTS_DIR": "\(dir)/snapshots", "SPOOL_DIR": "\(dir)/spool", "STATE_DIR": "\(dir)/state",
                   "DEAD_LETTER_DIR": "\(dir)/dead-letter", "API_PORT": "\(port)", "API_HOST": "127.0.0.1"]
        env.merge(extra) { _, n in n }
        child = try ChildProcess(TestSupport.vigil, ["run", "--config", path] + (exitWhenDone ? ["--exit-when-done"] : []),
                                 environment: env, directory: dir)
    }

    var log: String { child.stderr }

    /// Log lines holding `text`.
    func lines(_ text: String) -> [String] { log.split(separator: "\n").map(String.init).filter { $0.contains(text) } }

    /// `GET /` parsed (nil when the API does not answer).
    func status() -> JSONValue? {
        guard let out = try? TestSupport.run("/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/"]),
              out.status == 0 else { return nil }
        return try? JSONValue(parsing: out.stdout)
    }

    /// `GET /metrics` text.
    func metrics() -> String {
        (try? TestSupport.run("/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"]).stdout) ?? ""
    }

    /// The isolation counters of a camera's detector in the status JSON.
    func isolation(camera: String, detector: String) -> JSONValue? {
        let cams = status()?["cameras"]?.arrayValue ?? []
        let cam = cams.first { $0["id"]?.stringValue == camera }
        return cam?["detectors"]?.arrayValue?.first { $0["name"]?.stringValue == detector }?["isolation"]
    }

    /// Stops it with SIGTERM; returns the exit status.
    func stop() -> Int32 {
        child.signal(SIGTERM)
        let status = child.wait()
        subscriber.stop()
        return status
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Saved events of one camera: id, frame, type, data.
    static func rows(camera: String) throws -> [(id: Int, frame: Int, type: String, data: String)] {
        let db = try PostgresConnection(try TestSupport.services().database)
        let r = try db.query("SELECT id, frame_number, event_type, event_data::text FROM events WHERE camera_id = $1 ORDER BY id", [camera])
        return (0..<r.count).map { (Int(r[$0, 0]!)!, Int(r[$0, 1]!)!, r[$0, 2]!, r[$0, 3]!) }
    }
}
