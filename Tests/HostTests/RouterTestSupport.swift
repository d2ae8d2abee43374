import Foundation
import Logging
import PluginAPI
@testable import VigilConfig
import VigilPostgres
import VigilRedis
@testable import VigilRouter
import VigilSinks
import XCTest

/// A router on the test's real PostgreSQL and Redis, on its own channel and spool folder.
struct RouterFixture {
    let router: Router
    let channel: String
    let spool: String
    let databaseURL: String
    let redis: RedisAddress

    /// `routerDatabaseURL`: where the router connects (e.g. through a TCPProxy); the test reads rows
    /// from the real server. `logger`: e.g. `TestLogs().logger` to read what was logged.
    init(channel: String = "test-\(UUID().uuidString.prefix(8))", extraChannels: Bool = false, stream: String? = nil,
         spool: String? = nil, stats: RouterStats = RouterStats(), routerDatabaseURL: String? = nil,
         queueCapacity: Int = 100_000, overload: OverloadPolicy = .block, maxCatchUpAge: Double = 3600,
         logger: Logger? = nil, sinks: SinksService? = nil, durableIntake: Bool = false, plates: PlateVault? = nil,
         platePublish: PlateView = .plain) throws {
        let services = try TestSupport.services()
        databaseURL = services.database
        _ = try Database(url: databaseURL).connect()   // the schema exists before the test reads rows
        redis = try RedisAddress(url: services.redis)
        self.channel = channel
        self.spool = spool ?? TestSupport.tempDir("spool")
        var publish = PublishOptions(redis: redis, channel: channel)
        publish.perTypeAndCameraChannels = extraChannels
        publish.stream = stream
        publish.maxCatchUpAge = maxCatchUpAge
        publish.plates = platePublish
        var quiet = Logger(label: "test")
        quiet.logLevel = .warning
        var options = Router.Options(databaseURL: routerDatabaseURL ?? databaseURL, publish: publish, spoolDirectory: self.spool,
                                     queueCapacity: queueCapacity, overload: overload)
        options.sinkNames = sinks?.names ?? []
        options.durableIntake = durableIntake
        let routerURL = routerDatabaseURL ?? services.database
        router = try Router(options: options, logger: logger ?? quiet, stats: stats,
                            database: plates.map { Database(url: routerURL, plates: $0) }, observer: sinks)
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
    private let child: ChildProcess

    /// Starts the seed's redis-py consumer and waits until it is subscribed.
    init(python url: String, channel: String, count: Int) throws {
        child = try ChildProcess("/usr/bin/env", ["python3", "\(TestSupport.root)/Tests/Tools/seed_consumer.py", "--url", url,
                                                  "--channel", channel, "--count", String(count), "--timeout", "15"])
        try waitReady("ready")
    }

    /// Starts `redis-cli SUBSCRIBE channel` and waits for the subscription confirmation.
    init(redisCLI address: RedisAddress, channel: String) throws {
        child = try ChildProcess("/usr/bin/redis-cli", ["-h", address.host, "-p", String(address.port), "--raw", "SUBSCRIBE", channel])
        try waitReady("1")
    }

    private func waitReady(_ line: String) throws {
        let end = Date().addingTimeInterval(15)
        while Date() < end {
            if lines().contains(line) { return }
            guard child.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw NSError(domain: "subscriber", code: 1, userInfo: [NSLocalizedDescriptionKey: "subscriber did not start: \(child.stderr)"])
    }

    /// Every line printed so far.
    func lines() -> [String] { child.stdout.split(separator: "\n").map(String.init) }

    /// The JSON payloads received so far.
    func payloads() -> [String] { lines().filter { $0.hasPrefix("{") } }

    func stop() { child.signal(SIGTERM); child.wait() }
}

