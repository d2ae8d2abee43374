import Foundation
import PluginAPI
@testable import VigilSinks
import XCTest

/// Issue 5 end to end: router → SinksService → libWebhook.so → a real HTTP server on 127.0.0.1.
final class SinkDeliveryTests: XCTestCase {
    func name() -> String { "hook-\(UUID().uuidString.prefix(8))" }

    func sink(_ name: String, url: String, delivery: String = "{}", config: String = "") -> String {
        """
        {"name": "\(name)", "library": "libWebhook.so", "delivery": \(delivery),
         "config": {"url": "\(url)", "secret_env": "TEST_WEBHOOK_SECRET"\(config)}}
        """
    }

    func testDeliversThePublishedJSONWithAStandardWebhooksSignature() async throws {
        let server = try await ScriptedHTTPServer()
        let n = name()
        let secret = "whsec_" + Data("a-test-secret-of-some-length".utf8).base64EncodedString()
        let f = try SinkFixture(sinks: "[\(sink(n, url: server.url("hook")))]", environment: ["TEST_WEBHOOK_SECRET": secret])
        let events = f.submit(3)
        await eventually("3 deliveries") { server.requests("hook").count == 3 }
        await f.stop(); await server.stop()

        let db = try f.router.db()
        for request in server.requests("hook") {
            let id = try XCTUnwrap(request.headers["webhook-id"])
            let timestamp = try XCTUnwrap(request.headers["webhook-timestamp"])
            let signature = try XCTUnwrap(request.headers["webhook-signature"])
            XCTAssertEqual(request.headers["content-type"], "application/json")
            // Verified with Python's hmac, not with vigil's code.
            let expected = try python("""
                import base64, hashlib, hmac, sys
                key = base64.b64decode(sys.argv[1][len("whsec_"):])
                body = sys.stdin.buffer.read()
                msg = sys.argv[2].encode() + b"." + sys.argv[3].encode() + b"." + body
                print("v1," + base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode())
                """, args: [secret, id, timestamp], stdin: request.body)
            XCTAssertEqual(signature, expected)
            // The body is the event as published: same id, the row's created_at.
            let json = try JSONValue(parsing: request.text)
            XCTAssertEqual(json["id"]?.intValue.map(String.init), id)
            let row = try db.query("SELECT to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), camera_id FROM events WHERE id = $1", [id])
            XCTAssertEqual(json["created_at"]?.stringValue, row[0, 0])
            XCTAssertEqual(row[0, 1], f.camera)
        }
        XCTAssertEqual(Set(server.requests("hook").compactMap { try? JSONValue(parsing: $0.text)["event_data"]?["seq"]?.intValue }),
                       Set(events.indices))
        XCTAssertEqual(f.stats["sink.\(n).delivered"], 3)
    }

    func testServerErrorsTwiceThenOKIsDeliveredOnceAfterThreeAttemptsWithinTheBackoff() async throws {
        let server = try await ScriptedHTTPServer()
        server.script("flaky", [.init(status: 500), .init(status: 503)])
        let n = name()
        let f = try SinkFixture(sinks: "[\(sink(n, url: server.url("flaky"), delivery: #"{"backoff_base_ms": 200, "backoff_cap_ms": 300}"#))]",
                                environment: ["TEST_WEBHOOK_SECRET": "plain-secret"])
        f.submit(1)
        await eventually("delivered") { f.stats["sink.\(n).delivered"] == 1 }
        await f.stop(); await server.stop()
        let attempts = server.requests("flaky")
        XCTAssertEqual(attempts.count, 3, "500, 503, then 200")
        XCTAssertEqual(Set(attempts.map { $0.headers["webhook-id"] }).count, 1, "one event, three attempts")
        XCTAssertEqual(f.stats["sink.\(n).retries"], 2)
        XCTAssertEqual(f.stats["sink.\(n).dead_lettered"], 0)
        // Full jitter: the waits are random in [0, min(cap, base * 2^(n-1))] = [0, 200 ms], [0, 300 ms].
        let gaps = zip(attempts.dropFirst(), attempts).map { $0.at.timeIntervalSince($1.at) }
        XCTAssertLessThan(gaps[0], 0.2 + 0.25)
        XCTAssertLessThan(gaps[1], 0.3 + 0.25)
    }

    func testRetryAfterIsWaitedAsTold() async throws {
        let server = try await ScriptedHTTPServer()
        server.script("busy", [.init(status: 429, headers: ["Retry-After": "2"])])
        let n = name()
        let f = try SinkFixture(sinks: "[\(sink(n, url: server.url("busy"), delivery: #"{"backoff_base_ms": 1, "backoff_cap_ms": 1}"#))]",
                                environment: ["TEST_WEBHOOK_SECRET": "s"])
        f.submit(1)
        await eventually("delivered") { f.stats["sink.\(n).delivered"] == 1 }
        await f.stop(); await server.stop()
        let attempts = server.requests("busy")
        XCTAssertEqual(attempts.count, 2)
        XCTAssertGreaterThanOrEqual(attempts[1].at.timeIntervalSince(attempts[0].at), 1.95, "Retry-After: 2 beats a 1 ms backoff")
    }

    func testGoneDisablesTheSinkAndDeadLettersTheEvent() async throws {
        let server = try await ScriptedHTTPServer()
        server.script("gone", [.init(status: 410)])
        let n = name()
        let f = try SinkFixture(sinks: "[\(sink(n, url: server.url("gone")))]", environment: ["TEST_WEBHOOK_SECRET": "s"])
        f.submit(1)
        await eventually("disabled") { f.runner(n).disabled != nil }
        f.submit(5)
        try await Task.sleep(for: .milliseconds(500))
        await f.stop(); await server.stop()
        XCTAssertEqual(server.requests("gone").count, 1, "nothing is sent after 410")
        XCTAssertEqual(f.stats["sink.\(n).disabled"], 1)
        let (entries, _) = try DeadLetterFile.read(path: f.runner(n).policy.deadLetterPath)
        XCTAssertEqual(entries.count, 1)
        XCTAssertTrue(entries[0].reason.contains("410"), entries[0].reason)
    }

    func testDeadServerFillsTheDeadLetterFileAndReplayDeliversIt() async throws {
        let n = name()
        let closedPort = try freePort()
        let f = try SinkFixture(sinks: "[\(sink(n, url: "http://127.0.0.1:\(closedPort)/late", delivery: #"{"max_attempts": 3, "backoff_base_ms": 10, "backoff_cap_ms": 20}"#))]",
                                environment: ["TEST_WEBHOOK_SECRET": "s"])
        f.submit(2)
        await eventually("dead-lettered") { f.stats["sink.\(n).dead_lettered"] == 2 }
        await f.stop()
        let path = f.runner(n).policy.deadLetterPath
        let (entries, bad) = try DeadLetterFile.read(path: path)
        XCTAssertEqual(entries.count, 2); XCTAssertEqual(bad, [])
        XCTAssertTrue(entries.allSatisfy { $0.attempts == 3 && $0.reason.contains("gave up after 3 attempts") }, "\(entries.map(\.reason))")

        // The server comes up on that port; `vigil dead-letter replay` delivers both, byte for byte.
        let server = try await ScriptedHTTPServer(port: closedPort)
        let config = TestSupport.write("""
            {"plugin_dir": "\(TestSupport.buildDir)", "sinks": [\(sink(n, url: server.url("late")))]}
            """, to: "plugins.json", in: f.dir)
        let out = try TestSupport.run(TestSupport.vigil, ["dead-letter", "replay", "--sink", n, "--config", config, "--file", path],
                                      environment: ["TEST_WEBHOOK_SECRET": "s", "PATH": "/usr/bin:/bin"], directory: f.dir)
        await server.stop()
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stdout.contains("replay sink=\(n) events=2 delivered=2 dead_lettered=0"), out.stdout)
        XCTAssertEqual(server.requests("late").map(\.text).sorted(), entries.map(\.eventJSON).sorted())
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing left to replay")
    }

    func testFiltersSendOnlyMatchingEvents() async throws {
        let server = try await ScriptedHTTPServer()
        let n = name()
        let f = try SinkFixture(sinks: "[\(sink(n, url: server.url("anpr"), config: #", "event_types": ["anpr"], "min_confidence": 0.8"#))]",
                                environment: ["TEST_WEBHOOK_SECRET": "s"])
        f.submit(4, type: "anpr") { ["anpr_result": ["license_plate": .string("AB\($0)"), "confidence": $0 % 2 == 0 ? 0.9 : 0.5, "region": "eu"]] }
        f.submit(3, type: "motion") { ["motion_intensity": 0.3, "seq": .int($0)] }
        await eventually("2 deliveries and 5 skipped") { f.stats["sink.\(n).delivered"] == 2 && f.stats["sink.\(n).skipped"] == 5 }
        await f.stop(); await server.stop()
        let plates = server.requests("anpr").compactMap { try? JSONValue(parsing: $0.text)["event_data"]?["anpr_result"]?["license_plate"]?.stringValue }
        XCTAssertEqual(plates.sorted(), ["AB0", "AB2"])
    }

    func testAHangingServerTimesOutAndNeverSlowsTheRouter() async throws {
        let server = try await ScriptedHTTPServer()
        server.script("hang", Array(repeating: .init(delay: 5), count: 50))
        let n = name()
        let f = try SinkFixture(sinks: "[\(sink(n, url: server.url("hang"), delivery: #"{"queue_capacity": 50, "concurrency": 2, "max_attempts": 2, "backoff_base_ms": 10}"#, config: #", "timeout_ms": 300"#))]",
                                environment: ["TEST_WEBHOOK_SECRET": "s"])
        // While every delivery hangs, the router saves and publishes 20,000 events.
        f.submit(20_000)
        await eventually("all saved and published", timeout: 60) { f.stats["published"] == 20_000 }
        XCTAssertEqual(f.stats["saved"], 20_000)
        XCTAssertEqual(f.stats["sink.\(n).delivered"], 0)
        XCTAssertTrue(f.runner(n).queue.catchingUp, "the sink overflowed and will catch up from PostgreSQL instead of blocking")
        await eventually("a timed-out event dead-lettered") { f.stats["sink.\(n).dead_lettered"] >= 1 }
        await f.stop(); await server.stop()
        let (entries, _) = try DeadLetterFile.read(path: f.runner(n).policy.deadLetterPath)
        XCTAssertTrue(entries[0].reason.lowercased().contains("timed out") || entries[0].reason.lowercased().contains("timeout"), entries[0].reason)
    }

    func testUndeliveredEventsAreDeliveredAfterARestart() async throws {
        let n = name()
        let port = try freePort()
        let entry = sink(n, url: "http://127.0.0.1:\(port)/later", delivery: #"{"backoff_base_ms": 1000, "backoff_cap_ms": 1000}"#)
        let first = try SinkFixture(sinks: "[\(entry)]", environment: ["TEST_WEBHOOK_SECRET": "s"])
        let events = first.submit(5)
        await eventually("attempts failing") { first.stats["sink.\(n).retries"] >= 1 }
        await first.stop()  // vigil stops with 5 events undelivered: they stay after the sink's position
        XCTAssertEqual(first.stats["sink.\(n).delivered"], 0)

        let server = try await ScriptedHTTPServer(port: port)
        let second = try SinkFixture(sinks: "[\(entry)]", environment: ["TEST_WEBHOOK_SECRET": "s"])
        await eventually("caught up after the restart") { server.requests("later").count == 5 }
        await second.stop(); await server.stop()
        XCTAssertEqual(second.stats["sink.\(n).caught_up"], 5)
        let seqs = server.requests("later").compactMap { try? JSONValue(parsing: $0.text)["event_data"]?["seq"]?.intValue }
        XCTAssertEqual(seqs.sorted(), Array(events.indices))
    }
}

/// Runs a Python snippet, returns its stdout without the trailing newline.
func python(_ code: String, args: [String] = [], stdin: [UInt8] = []) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", code] + args
    let input = Pipe(), output = Pipe()
    p.standardInput = input; p.standardOutput = output
    try p.run()
    input.fileHandleForWriting.write(Data(stdin)); try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A port nothing listens on (yet).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}
