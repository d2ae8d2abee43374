import Foundation
import PluginAPI
import PluginKit
import XCTest
@testable import PostSink

/// The sink under vigil's own retry policy (PluginKit), against a real HTTP receiver on 127.0.0.1.
final class PostSinkTests: XCTestCase {
    func harness(_ receiver: FakeHTTPReceiver, _ config: JSONValue = [:], policy: SinkHarness.Policy = .init()) throws -> SinkHarness {
        var settings: [(key: String, value: JSONValue)] = [("url", .string(receiver.url + "/events"))]
        settings += config.objectValue ?? []
        return try SinkHarness(name: "post", config: .object(settings), policy: policy) { try PostSink(context: $0) }
    }

    func testPostsThePublishedJSONAndRetriesA503() async throws {
        let receiver = try FakeHTTPReceiver(replies: [.init(status: 503), .init(status: 200)])
        defer { receiver.stop() }
        let event = SinkHarness.event(id: 7, type: "motion", data: ["motion_intensity": 0.5])
        let results = await try harness(receiver).deliver([event])
        XCTAssertEqual(results[0].outcome, .delivered)
        XCTAssertEqual(results[0].attempts, 2)
        XCTAssertEqual(results[0].waits.count, 1, "vigil waited once, with its backoff")
        XCTAssertEqual(receiver.requests.map(\.text), [event.json, event.json], "the body is the published JSON, byte for byte")
        XCTAssertEqual(receiver.requests.first?.headers["idempotency-key"], "7")
        XCTAssertEqual(receiver.requests.first?.path, "/events")
    }

    func testRetryAfterIsHonouredAndGoneDisablesTheSink() async throws {
        let receiver = try FakeHTTPReceiver(replies: [.init(status: 429, headers: ["Retry-After": "3"]), .init(status: 410)])
        defer { receiver.stop() }
        let results = await try harness(receiver).deliver([SinkHarness.event(id: 1), SinkHarness.event(id: 2)])
        XCTAssertEqual(results[0].waits, [.seconds(3)])
        guard case .disabled = results[0].outcome else { return XCTFail("\(results[0].outcome)") }
        XCTAssertEqual(results[1].outcome, .notSent, "a disabled sink gets nothing more")
    }

    func testA400IsDeadLetteredAtOnceAndOutOfAttemptsAfterMax() async throws {
        let receiver = try FakeHTTPReceiver(replies: [.init(status: 400)] + Array(repeating: .init(status: 500), count: 3))
        defer { receiver.stop() }
        var policy = SinkHarness.Policy()
        policy.maxAttempts = 3
        let results = await try harness(receiver, policy: policy).deliver([SinkHarness.event(id: 1), SinkHarness.event(id: 2)])
        XCTAssertEqual(results[0].outcome, .deadLettered(reason: "HTTP 400"))
        XCTAssertEqual(results[0].attempts, 1)
        XCTAssertEqual(results[1].attempts, 3)
        XCTAssertEqual(results[1].outcome, .deadLettered(reason: "gave up after 3 attempts: HTTP 500"))
        XCTAssertTrue(results[1].waits.allSatisfy { $0 <= .milliseconds(1000) }, "full jitter within base·2^(n−1)")
    }

    func testFilterAndBadConfig() async throws {
        let receiver = try FakeHTTPReceiver()
        defer { receiver.stop() }
        let results = await try harness(receiver, ["event_types": ["anpr"]]).deliver([SinkHarness.event(id: 1, type: "motion")])
        XCTAssertEqual(results[0].outcome, .filteredOut)
        XCTAssertEqual(receiver.requests.count, 0)
        XCTAssertThrowsError(try SinkHarness(config: ["url": "ftp://x"]) { try PostSink(context: $0) }) {
            XCTAssertEqual("\($0)", "sinks[0].config.url: expected an http(s) URL, found \"ftp://x\"")
        }
    }

    /// The built .so (next to this test bundle), checked by vigil's own loader: run `swift build` first.
    func testTheBuiltLibraryLoadsIntoVigil() throws {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let library = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("libPostSink.so").path
        guard FileManager.default.fileExists(atPath: library) else {
            return XCTFail("\(library) is missing: run `swift build` before `swift test`")
        }
        let report = try PluginFile.check(library, kind: .sink)
        XCTAssertEqual(report.name, "post")
        XCTAssertThrowsError(try PluginFile.check(library, kind: .detector)) { XCTAssertTrue("\($0)".contains("is a sink plugin")) }
    }
}
