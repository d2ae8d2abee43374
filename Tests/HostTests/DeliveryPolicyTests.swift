import Foundation
import PluginAPI
@testable import VigilConfig
@testable import VigilSinks
import XCTest

/// The host's retry policy and dead-letter lines, as pure logic.
final class DeliveryPolicyTests: XCTestCase {
    func policy(_ delivery: String) throws -> DeliveryPolicy {
        let config = try HostConfig.parse("""
            {"sinks": [{"name": "s", "library": "x.so", "delivery": \(delivery)}]}
            """, file: "plugins.json", baseDir: "/etc/vigil", environment: [:])
        return try DeliveryPolicy.read(config.sinks[0], in: config, environment: [:])
    }

    func testFullJitterStaysUnderTheDoublingCeilingAndTheCap() throws {
        let p = try policy(#"{"backoff_base_ms": 100, "backoff_cap_ms": 1000}"#)
        // Ceilings: 100, 200, 400, 800, then the cap.
        for (attempt, ceiling) in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (40, 1.0)] {
            XCTAssertEqual(p.backoff(afterAttempt: attempt, random: { 0 }), .zero)
            let top = p.backoff(afterAttempt: attempt, random: { 0.999999 })
            XCTAssertEqual(top.inSeconds, ceiling, accuracy: 0.001)
            let samples = (0..<2000).map { _ in p.backoff(afterAttempt: attempt) }
            XCTAssertTrue(samples.allSatisfy { $0 >= .zero && $0 <= .milliseconds(Int(ceiling * 1000)) })
            let mean = samples.map(\.inSeconds).reduce(0, +) / 2000
            XCTAssertEqual(mean, ceiling / 2, accuracy: ceiling * 0.1, "uniform in [0, ceiling]")
        }
        XCTAssertEqual(p.honoured(.seconds(7)), .seconds(7))
        XCTAssertEqual(p.honoured(.seconds(99_999)), .seconds(3600), "Retry-After is capped")
        XCTAssertNil(p.honoured(nil))
    }

    func testDeliverySettingsAreCheckedWithTheirPath() throws {
        XCTAssertThrowsError(try policy(#"{"concurrency": 0}"#)) {
            XCTAssertEqual("\($0)", "plugins.json: sinks[0].delivery.concurrency: expected a whole number from 1 to 1024, found 0")
        }
        XCTAssertThrowsError(try policy(#"{"backoff_base_ms": 500, "backoff_cap_ms": 100}"#)) {
            XCTAssertEqual("\($0)", "plugins.json: sinks[0].delivery.backoff_cap_ms: expected at least backoff_base_ms")
        }
        XCTAssertThrowsError(try policy(#"{"max_atempts": 3}"#)) {
            XCTAssertEqual("\($0)", "plugins.json: sinks[0].delivery.max_atempts: unknown delivery setting")
        }
        XCTAssertEqual(try policy(#"{"dead_letter": "dl/s.jsonl"}"#).deadLetterPath, "/etc/vigil/dl/s.jsonl")
        XCTAssertEqual(try policy("{}").maxAttempts, 8)
    }

    func testDeadLetterLinesKeepTheEventBytes() throws {
        let json = #"{"id": 5, "event_type": "anpr", "camera_id": "c", "timestamp": "2024-10-11T12:28:16.789Z", "frame_number": 1, "snapshot_path": null, "event_data": {"anpr_result": {"license_plate": "\"}\" caf\u00e9"}}, "created_at": "2024-10-11T12:28:16.789123"}"#
        let entry = DeadLetterFile.Entry(sink: "s", eventID: 5, attempts: 3, reason: #"gave up: "event": {"#,
                                         failedAt: Timestamp(microsecondsSince1970: 0), eventJSON: json)
        let back = try XCTUnwrap(DeadLetterFile.Entry(line: Substring(entry.line)))
        XCTAssertEqual(back.eventJSON, json, "the published bytes survive the round trip")
        XCTAssertEqual(back.reason, entry.reason)
        XCTAssertEqual(back.attempts, 3)
        let event = try XCTUnwrap(StoredEvent(publishedJSON: back.eventJSON))
        XCTAssertEqual(event.id, 5)
        XCTAssertEqual(event.json, json)
    }
}
