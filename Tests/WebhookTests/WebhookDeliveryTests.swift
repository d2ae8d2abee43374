import Foundation
import PluginAPI
import VigilCurl
import XCTest
@testable import Webhook

final class WebhookDeliveryTests: XCTestCase {
    var server: TestServer!

    override func setUp() async throws {
        server = try await TestServer.start()
    }

    override func tearDown() async throws {
        await server?.stop()
    }

    private func sink(_ path: String, _ extra: JSONValue = [:], logs: LogStore = LogStore()) throws -> WebhookSink {
        let config = JSONValue.object([("url", .string(server.url(path))), ("secret_env", "")]).merging(extra)
        return try WebhookSink(context: Fixtures.context(config, logs: logs))
    }

    /// The body, the headers and a signature checked by Python's hmac (not by VigilCrypto).
    func testDeliveryIsSignedAndSendsTheEventBytesUnchanged() async throws {
        let secret = "whsec_" + Data((0..<24).map { UInt8($0 * 11 & 0xFF) }).base64EncodedString()
        let sink = try sink("/hook", ["secret_env": .string(Fixtures.secretVariable(secret))])
        let event = Fixtures.event(id: 4711)
        let before = Int(Date().timeIntervalSince1970)
        let delivery = await sink.deliver(event)
        let after = Int(Date().timeIntervalSince1970)
        await sink.close()
        XCTAssertEqual(delivery, .delivered)

        let requests = await server.recorder.requests
        XCTAssertEqual(requests.count, 1)
        let request = try XCTUnwrap(requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/hook")
        XCTAssertEqual(request.body, Array(event.json.utf8), "the published JSON, byte for byte")
        XCTAssertEqual(request.values("content-type"), ["application/json"])
        XCTAssertEqual(request.values("user-agent"), ["vigil-webhook/\(WebhookSink.version)"])
        XCTAssertEqual(request.values("webhook-id"), ["4711"])
        XCTAssertEqual(request.values("expect"), [])
        let timestamp = try XCTUnwrap(Int(request.values("webhook-timestamp").first ?? ""))
        XCTAssertTrue((before...after).contains(timestamp), "\(timestamp) not in \(before)...\(after)")

        let expected = try Fixtures.python("""
            import hmac, hashlib, base64, sys
            key = base64.b64decode(sys.argv[1][len("whsec_"):])
            message = f"{sys.argv[2]}.{sys.argv[3]}.".encode() + sys.stdin.buffer.read()
            print("v1," + base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode())
            """, [secret, "4711", "\(timestamp)"], input: request.body)
        XCTAssertEqual(request.values("webhook-signature"), [expected])

        // The README's receiver snippet accepts it, and refuses a changed body.
        let check = try Fixtures.readmeBlock("python") + """

            import json, sys
            d = json.load(sys.stdin)
            body = base64.b64decode(d["body"])
            print(verify(d["secret"], d["headers"], body), verify(d["secret"], d["headers"], body + b" "))
            """
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        let input = try JSONSerialization.data(withJSONObject: [
            "secret": secret, "headers": headers, "body": Data(request.body).base64EncodedString()])
        XCTAssertEqual(try Fixtures.python(check, input: Array(input)), "True False")
    }

    func testPlainSecretIsUsedAsUTF8Key() async throws {
        let secret = "correct horse battery staple"
        let sink = try sink("/hook", ["secret_env": .string(Fixtures.secretVariable(secret))])
        let delivery = await sink.deliver(Fixtures.event(id: 9))
        XCTAssertEqual(delivery, .delivered)
        let requests = await server.recorder.requests
        let request = try XCTUnwrap(requests.first)
        let expected = try Fixtures.python("""
            import hmac, hashlib, base64, sys
            message = f"9.{sys.argv[2]}.".encode() + sys.stdin.buffer.read()
            print("v1," + base64.b64encode(hmac.new(sys.argv[1].encode(), message, hashlib.sha256).digest()).decode())
            """, [secret, request.values("webhook-timestamp").first ?? ""], input: request.body)
        XCTAssertEqual(request.values("webhook-signature"), [expected])
    }

    func testCustomHeadersAndUnsignedWarning() async throws {
        let logs = LogStore()
        let sink = try sink("/hook", ["headers": ["Authorization": "Bearer t0ken", "X-Vigil_Site": "north gate",
                                                  "Content-Type": "application/vnd.vigil+json"]], logs: logs)
        let delivery = await sink.deliver(Fixtures.event())
        XCTAssertEqual(delivery, .delivered)
        let requests = await server.recorder.requests
        let request = try XCTUnwrap(requests.first)
        XCTAssertEqual(request.values("Authorization"), ["Bearer t0ken"])
        XCTAssertTrue(request.headers.contains { $0.name == "X-Vigil_Site" && $0.value == "north gate" },
                      "header name kept as written: \(request.headers)")
        XCTAssertEqual(request.values("content-type"), ["application/vnd.vigil+json"])
        XCTAssertEqual(request.values("webhook-signature"), [], "unsigned")
        XCTAssertEqual(request.values("webhook-id"), ["42"])
        let warnings = logs.lines.filter { $0.level == .warning }
        XCTAssertEqual(warnings.map(\.message), ["Webhook deliveries are unsigned (secret_env is empty)"])
        XCTAssertEqual(warnings.first?.metadata["config.path"], "sinks[0].config.secret_env")
    }

    func testStatusMapping() async throws {
        func body(_ code: Int) -> String { "HTTP \(code): server says no \(code)" }
        let cases: [(String, Delivery)] = [
            ("/status/200", .delivered),
            ("/status/204", .delivered),
            ("/status/500", .retry(after: nil, reason: body(500))),
            ("/status/502", .retry(after: nil, reason: body(502))),
            ("/status/429?retry_after=2", .retry(after: .seconds(2), reason: body(429))),
            ("/status/503?retry_after=0", .retry(after: .zero, reason: body(503))),
            ("/status/503?retry_after=later", .retry(after: nil, reason: body(503))),
            ("/status/429", .retry(after: nil, reason: body(429))),
            ("/status/408", .retry(after: nil, reason: body(408))),
            ("/status/425", .retry(after: nil, reason: body(425))),
            ("/status/410", .disable(reason: body(410))),
            ("/status/400", .failed(reason: body(400))),
            ("/status/404", .failed(reason: body(404))),
            ("/status/301", .failed(reason: body(301))),
        ]
        for (path, expected) in cases {
            let sink = try sink(path)
            let delivery = await sink.deliver(Fixtures.event())
            XCTAssertEqual(delivery, expected, path)
            await sink.close()
        }
    }

    func testRetryAfterHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_728_649_696)
        let response = HTTPResponse(status: 503, headers: [HTTPHeader("Retry-After", "Fri, 11 Oct 2024 12:28:46 GMT")], body: [])
        XCTAssertEqual(WebhookOutcome.delivery(for: response, now: now), .retry(after: .seconds(30), reason: "HTTP 503"))
        XCTAssertEqual(WebhookOutcome.retryAfter("Thu, 01 Jan 1970 00:00:00 GMT", now: now), .zero, "a past date means now")
        XCTAssertEqual(WebhookOutcome.retryAfter("Friday, 11-Oct-24 12:28:46 GMT", now: now), .seconds(30))
        XCTAssertEqual(WebhookOutcome.retryAfter("Fri Oct 11 12:28:46 2024", now: now), .seconds(30))
        XCTAssertNil(WebhookOutcome.retryAfter("soon", now: now))
        XCTAssertNil(WebhookOutcome.retryAfter("-5", now: now))
    }

    func testConnectionRefusedIsRetried() async throws {
        let sink = try WebhookSink(context: Fixtures.context(["url": "http://127.0.0.1:1/hook", "secret_env": ""]))
        let delivery = await sink.deliver(Fixtures.event())
        guard case .retry(nil, let reason) = delivery else { return XCTFail("\(delivery)") }
        XCTAssertTrue(reason.contains("Couldn't connect to server"), reason)
    }

    func testTLSAndDNSFailuresAreRetried() async throws {
        // TLS to a plain-HTTP port fails the handshake.
        let tls = try WebhookSink(context: Fixtures.context(["url": .string("https://127.0.0.1:\(server.port)/hook"), "secret_env": ""]))
        let tlsDelivery = await tls.deliver(Fixtures.event())
        guard case .retry(nil, let tlsReason) = tlsDelivery else { return XCTFail("\(tlsDelivery)") }
        XCTAssertTrue(tlsReason.contains("SSL") || tlsReason.contains("TLS"), tlsReason)
        // A name that cannot resolve (RFC 6761 .invalid).
        let dns = try WebhookSink(context: Fixtures.context(["url": "http://vigil-test.invalid/hook", "secret_env": "",
                                                             "connect_timeout_ms": 2000, "timeout_ms": 3000]))
        let dnsDelivery = await dns.deliver(Fixtures.event())
        guard case .retry(nil, let dnsReason) = dnsDelivery else { return XCTFail("\(dnsDelivery)") }
        XCTAssertTrue(dnsReason.contains("resolve") || dnsReason.contains("Timeout"), dnsReason)
    }

    func testHangingServerTimesOutAndIsRetried() async throws {
        let sink = try sink("/hang", ["timeout_ms": 500])
        let started = ContinuousClock.now
        let delivery = await sink.deliver(Fixtures.event())
        let elapsed = ContinuousClock.now - started
        guard case .retry(nil, let reason) = delivery else { return XCTFail("\(delivery)") }
        XCTAssertTrue(reason.contains("Timeout was reached"), reason)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(450))
        XCTAssertLessThan(elapsed, .seconds(3))
    }

    func testConcurrentDeliveriesReuseConnections() async throws {
        let sink = try sink("/hook", ["max_connections": 4])
        let results = await withTaskGroup(of: Delivery.self) { group in
            for id in 1...200 { group.addTask { await sink.deliver(Fixtures.event(id: Int64(id))) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(results.count, 200)
        XCTAssertTrue(results.allSatisfy { $0 == .delivered }, "\(results.filter { $0 != .delivered }.prefix(3))")
        let ids = await Set(server.recorder.requests.flatMap { $0.values("webhook-id") })
        XCTAssertEqual(ids, Set((1...200).map { "\($0)" }))
        XCTAssertGreaterThanOrEqual(sink.client.connectionsOpened, 1)
        XCTAssertLessThanOrEqual(sink.client.connectionsOpened, 4, "keep-alive: connections are reused")
        await sink.close()
    }

    func testCloseFailsLaterDeliveriesAsRetry() async throws {
        let sink = try sink("/hook")
        await sink.close()
        await sink.close()
        let delivery = await sink.deliver(Fixtures.event())
        guard case .retry = delivery else { return XCTFail("expected retry after close, got \(delivery)") }
    }
}
