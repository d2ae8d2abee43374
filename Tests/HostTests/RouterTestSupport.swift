import Foundation
import XCTest
@testable import Host
import Logging
import PluginAPI
import VigilPostgres
import VigilRedis

/// A router on the test's real PostgreSQL and Redis, on its own channel and spool folder.
struct RouterFixture {
    let router: Router
    let channel: String
    let spool: String
    let databaseURL: String
    let redis: RedisAddress

    init(channel: String = "test-\(UUID().uuidString.prefix(8))", extraChannels: Bool = false, stream: String? = nil,
         spool: String? = nil) throws {
        let services = try TestSupport.services()
        databaseURL = services.database
        redis = try RedisAddress(url: services.redis)
        self.channel = channel
        self.spool = spool ?? TestSupport.tempDir("spool")
        var publish = PublishOptions(redis: redis, channel: channel)
        publish.perTypeAndCameraChannels = extraChannels
        publish.stream = stream
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        router = try Router(options: .init(databaseURL: databaseURL, publish: publish, spoolDirectory: self.spool),
                            logger: logger)
    }

    func event(_ camera: String, _ frame: Int, type: String = "motion", data: JSONValue? = nil) -> NewEvent {
        NewEvent(type: type, cameraID: camera, frameNumber: frame,
                 timestamp: Timestamp(microsecondsSince1970: 1_728_649_696_789_000 + Int64(frame) * 1000),
                 snapshotPath: frame % 2 == 0 ? "snapshots/2024-10-11/\(camera)/motion_\(frame)_1728649696.png" : nil,
                 data: data ?? ["motion_intensity": 0.25, "affected_area_percentage": 3.5, "seq": .int(frame)])
    }

    func db() throws -> PostgresConnection { try PostgresConnection(databaseURL) }

    /// Rows of this fixture's cameras, in id order.
    func rows(cameraPrefix: String) throws -> [(id: Int64, camera: String, frame: Int)] {
        let r = try db().query("SELECT id, camera_id, frame_number FROM events WHERE camera_id LIKE $1 ORDER BY id",
                               [cameraPrefix + "%"])
        return (0..<r.count).map { (Int64(r[$0, 0]!)!, r[$0, 1]!, Int(r[$0, 2]!)!) }
    }

    /// Waits until `condition` holds, polling; fails the test after `timeout`.
    static func wait(_ what: String, timeout: Double = 20, file: StaticString = #filePath, line: UInt = #line,
                     _ condition: () throws -> Bool) rethrows {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("timed out waiting for \(what)", file: file, line: line)
    }
}

/// A subscriber process: the seed's Python consumer or redis-cli.
final class SubscriberProcess {
    let process = Process()
    private let output = Pipe()
    private var buffer = Data()

    /// Starts the seed's redis-py consumer and waits until it is subscribed.
    init(python url: String, channel: String, count: Int) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(TestSupport.root)/Tests/Tools/seed_consumer.py", "--url", url,
                             "--channel", channel, "--count", String(count), "--timeout", "15"]
        try start(readyLine: "ready")
    }

    /// Starts `redis-cli SUBSCRIBE channel` and waits for the subscription confirmation.
    init(redisCLI address: RedisAddress, channel: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-h", address.host, "-p", String(address.port), "--raw", "SUBSCRIBE", channel]
        try start(readyLine: "1")
    }

    private func start(readyLine: String) throws {
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let end = Date().addingTimeInterval(15)
        while Date() < end {
            if lines().contains(readyLine) { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw NSError(domain: "subscriber", code: 1, userInfo: [NSLocalizedDescriptionKey: "subscriber did not start"])
    }

    /// Every line printed so far.
    func lines() -> [String] {
        buffer.append(output.fileHandleForReading.availableDataNonBlocking())
        return String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The JSON payloads received so far.
    func payloads() -> [String] { lines().filter { $0.hasPrefix("{") } }

    func stop() { if process.isRunning { process.terminate() }; process.waitUntilExit() }
}

extension FileHandle {
    /// What can be read now without blocking.
    func availableDataNonBlocking() -> Data {
        let fd = fileDescriptor
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Foundation.read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return data
    }
}
