import Logging
import PluginAPI
@testable import VigilConfig
@testable import VigilPipeline
@testable import VigilRouter
import XCTest

final class OverloadAndRateLimitTests: XCTestCase {
    func testTokenBucketAllowsRateAndBurst() {
        var bucket = TokenBucket(rate: 2)
        XCTAssertEqual((0..<5).map { _ in bucket.take(now: 100) }, [true, true, false, false, false], "burst = rate")
        XCTAssertFalse(bucket.take(now: 100.4))
        XCTAssertTrue(bucket.take(now: 100.5), "one token back after 0.5 s at 2/s")
        XCTAssertTrue(bucket.take(now: 110))
        XCTAssertTrue(bucket.take(now: 110))
        XCTAssertFalse(bucket.take(now: 110), "the bucket never holds more than the burst")
    }

    func testRateLimiterDropsAndCountsOverTheLimit() {
        let stats = RouterStats()
        let limiter = RateLimiter(camera: "c", rate: 5, stats: stats, logger: Logger(label: "test"))
        let events = (0..<100).map { i in   // 100 events, 0.02 s apart: the last at +1.98 s
            Event(type: "motion", cameraID: "c", frameNumber: i, timestamp: Timestamp(secondsSince1970: 1000 + Double(i) * 0.02), data: [:])
        }
        let passed = limiter.admit(events)
        XCTAssertEqual(passed.count, 5 + 9, "burst 5, then 5/s: 9.9 tokens by +1.98 s")
        XCTAssertEqual(stats["rate_limited"], 86)
        XCTAssertEqual(passed.map(\.frameNumber).first, 0)
    }

    func testRateLimitIsReadFromPluginsJSON() throws {
        let c = try HostConfig.parse(#"{"cameras": [{"id": "a", "source": "x", "max_events_per_second": 2.5}, {"id": "b", "source": "y"}]}"#,
                                     file: "plugins.json", baseDir: "/", environment: [:])
        XCTAssertEqual(c.cameras.map(\.maxEventsPerSecond), [2.5, nil])
        XCTAssertThrowsError(try HostConfig.parse(#"{"cameras": [{"id": "a", "source": "x", "max_events_per_second": 0}]}"#,
                                                  file: "plugins.json", baseDir: "/", environment: [:])) {
            XCTAssertEqual("\($0)", "plugins.json: cameras[0].max_events_per_second: expected a number from 0.001 to 1000000, found 0")
        }
    }

    func router(capacity: Int, policy: OverloadPolicy) throws -> (Router, String) {
        let services = try TestSupport.services()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let router = try Router(options: .init(databaseURL: services.database,
                                               publish: PublishOptions(redis: try RedisAddress(url: services.redis), channel: "ovl-\(UUID().uuidString.prefix(6))"),
                                               spoolDirectory: TestSupport.tempDir("spool"), queueCapacity: capacity, overload: policy),
                                logger: logger)
        return (router, "ovl-\(UUID().uuidString.prefix(6))")
    }

    func event(_ camera: String, _ i: Int) -> NewEvent {
        NewEvent(type: "motion", cameraID: camera, frameNumber: i, timestamp: Timestamp(secondsSince1970: 1_700_000_000),
                 snapshotPath: nil, data: ["i": .int(i)])
    }

    func testBlockPolicyWaitsAndLosesNothing() throws {
        let (router, camera) = try router(capacity: 8, policy: .block)
        router.start()
        for i in 0..<3000 { XCTAssertTrue(router.submit(event(camera, i))) }
        router.shutdown()
        XCTAssertEqual(router.stats["saved"], 3000)
        XCTAssertEqual(router.stats["dropped"], 0)
    }

    func testDropPolicyDropsAndCountsWhenTheQueueIsFull() throws {
        let (router, camera) = try router(capacity: 8, policy: .drop)
        router.start()
        var accepted = 0
        for i in 0..<20000 where router.submit(event(camera, i)) { accepted += 1 }
        router.shutdown()
        XCTAssertGreaterThan(router.stats["dropped"], 0, "a queue of 8 cannot keep up with a tight loop")
        XCTAssertEqual(router.stats["dropped"] + accepted, 20000)
        XCTAssertEqual(router.stats["saved"], accepted, "every accepted event is saved")
    }
}
