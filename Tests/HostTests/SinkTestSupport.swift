import Foundation
import Logging
import PluginAPI
import ServiceLifecycle
@testable import VigilConfig
@testable import VigilPlugins
@testable import VigilRouter
@testable import VigilSinks
import XCTest

/// The host's sink path end to end: a real router on the test's PostgreSQL and Redis hands what
/// it publishes to SinksService, which runs the real libWebhook.so (loaded by the real loader)
/// against a real HTTP server.
final class SinkFixture: @unchecked Sendable {
    let router: RouterFixture
    let sinks: SinksService
    let stats = RouterStats()
    let camera = "sink-\(UUID().uuidString.prefix(8))"
    let dir = TestSupport.tempDir("sinks")
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// `sinks` is the JSON array of sink entries (plugins.json's `sinks`).
    init(sinks sinksJSON: String, environment: [String: String] = [:]) throws {
        var logger = Logger(label: "sink-test")
        logger.logLevel = .critical
        // Plugins read their secrets from the process environment (vigil exports .env into it).
        for (key, value) in environment { setenv(key, value, 1) }
        let config = try HostConfig.parse("""
            {"plugin_dir": "\(TestSupport.buildDir)", "sinks": \(sinksJSON)}
            """, file: "\(dir)/plugins.json", baseDir: dir, environment: environment)
        let plugins = PluginSet.load(config)
        XCTAssertEqual(plugins.failures.map(\.description), [])
        var settingsEnv = environment
        settingsEnv["DEAD_LETTER_DIR"] = "\(dir)/dead-letter"
        let settings = try Settings(settingsEnv)
        let runners = SinksService.make(config: config, plugins: plugins, settings: settings, logger: logger, stats: stats)
        let services = try TestSupport.services()
        let sinks = SinksService(runners: runners, databaseURL: services.database, logger: logger, stats: stats,
                                 drainTime: .milliseconds(200))
        self.sinks = sinks
        router = try RouterFixture(stats: stats, onPublished: { sinks.offer($0) })
        group = ServiceGroup(configuration: .init(services: [sinks], logger: logger))
        task = Task { [group] in try await group.run() }
        // The sinks start in catch-up mode until their position is read: wait for live mode.
        RouterFixture.wait("sinks ready") { runners.allSatisfy { !$0.queue.catchingUp } }
        router.router.start()
    }

    func runner(_ name: String) -> SinkRunner { sinks.runners.first { $0.name == name }! }

    /// Submits events of this fixture's camera; returns them.
    @discardableResult
    func submit(_ count: Int, type: String = "tracking", data: (Int) -> JSONValue = { ["confidence": 0.9, "seq": .int($0)] }) -> [NewEvent] {
        (0..<count).map { i in
            let e = NewEvent(type: type, cameraID: camera, frameNumber: i,
                             timestamp: Timestamp(secondsSince1970: Date().timeIntervalSince1970), snapshotPath: nil, data: data(i))
            XCTAssertTrue(router.router.submit(e))
            return e
        }
    }

    /// Stops the router (everything saved and published), then the sinks.
    func stop() async {
        router.router.shutdown()
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

extension XCTestCase {
    /// Waits (async) until `condition` holds; fails after `timeout`.
    func eventually(_ what: String, timeout: Double = 20, file: StaticString = #filePath, line: UInt = #line,
                    _ condition: () throws -> Bool) async rethrows {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try condition() { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("timed out waiting for \(what)", file: file, line: line)
    }
}
