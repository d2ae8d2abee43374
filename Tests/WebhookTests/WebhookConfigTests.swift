import Foundation
import PluginAPI
import XCTest
@testable import Webhook

final class WebhookConfigTests: XCTestCase {
    private func error(_ config: JSONValue, environment: [String: String] = [:]) -> String? {
        do {
            _ = try WebhookSettings(context: Fixtures.context(config), environment: { environment[$0] })
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testBadConfigsNameTheirPath() {
        XCTAssertEqual(error(["secret_env": ""]), "sinks[0].config.url: required key is missing: expected an http(s) URL")
        XCTAssertEqual(error(["url": "ftp://files.example.com/x", "secret_env": ""]),
                       "sinks[0].config.url: expected an http(s) URL like https://hooks.example.com/vigil")
        XCTAssertEqual(error(["url": "https://", "secret_env": ""]),
                       "sinks[0].config.url: expected an http(s) URL like https://hooks.example.com/vigil")
        XCTAssertEqual(error(["url": 5]), "sinks[0].config.url: expected a string, found a number")
        XCTAssertEqual(error(["url": "https://hooks.example.com/vigil", "secret_env": "VIGIL_TEST_UNSET_SECRET_VARIABLE"]),
                       "sinks[0].config.secret_env: environment variable VIGIL_TEST_UNSET_SECRET_VARIABLE is not set or empty "
                       + "(set it, or set secret_env to \"\" to send unsigned webhooks)")
        XCTAssertEqual(error(["url": "https://h.example.com"], environment: ["VIGIL_WEBHOOK_SECRET": ""])?
                        .hasPrefix("sinks[0].config.secret_env: environment variable VIGIL_WEBHOOK_SECRET is not set"), true,
                       "the default secret_env must be set")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "S"], environment: ["S": "whsec_not base64!"]),
                       "sinks[0].config.secret_env: the secret in S starts with whsec_ but the rest is not base64")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "", "timeout_ms": 0]),
                       "sinks[0].config.timeout_ms: expected 1 to 3600000, found 0")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "", "max_connections": 0]),
                       "sinks[0].config.max_connections: expected 1 to 1024, found 0")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "", "event_types": "motion"]),
                       "sinks[0].config.event_types: expected an array, found a string")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "", "headers": ["X-A": 1]]),
                       "sinks[0].config.headers.X-A: expected a string, found a number")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "", "headers": ["webhook-id": "1"]]),
                       "sinks[0].config.headers.webhook-id: set by the plugin itself, cannot be configured")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "", "headers": ["X-A": "1\r\nX-B: 2"]]),
                       "sinks[0].config.headers.X-A: expected a value without line breaks")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "", "headers": ["Bad Name": "1"]]),
                       "sinks[0].config.headers.Bad Name: expected a header name (letters, digits, -)")
        XCTAssertEqual(error(["url": "https://h.example.com", "secret_env": "", "headers": []]),
                       "sinks[0].config.headers: expected an object, found an array")
        XCTAssertEqual(error(.string("https://h.example.com")), "sinks[0].config: expected an object, found a string")
    }

    func testSecretVariableFromTheProcessEnvironment() throws {
        let name = Fixtures.secretVariable("s3cret")
        let settings = try WebhookSettings(context: Fixtures.context(["url": "http://127.0.0.1:9/x?token=abc", "secret_env": .string(name)]))
        XCTAssertEqual(settings.signingKey, Array("s3cret".utf8))
        XCTAssertEqual(settings.endpoint, "http://127.0.0.1:9", "no path or query in logs")
        let whsec = try WebhookSettings(context: Fixtures.context(["url": "https://h.example.com", "secret_env": "S"]),
                                        environment: { _ in "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })
        XCTAssertEqual(whsec.signingKey, Array(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!))
    }

    /// The README's plugins.json block is the defaults, and it validates.
    func testReadmeBlockIsTheDefaults() throws {
        let entry = try JSONValue(parsing: Fixtures.readmeBlock("json"))
        XCTAssertEqual(entry["library"], "libWebhook.so")
        let config = try XCTUnwrap(entry["config"])
        let logs = LogStore()
        let settings = try WebhookSettings(context: Fixtures.context(config, logs: logs),
                                           environment: { $0 == "VIGIL_WEBHOOK_SECRET" ? "whsec_c2VjcmV0" : nil })
        XCTAssertTrue(logs.lines.isEmpty, "no unknown keys: \(logs.lines.map(\.metadata))")
        XCTAssertEqual(settings.url, "https://hooks.example.com/vigil")
        XCTAssertEqual(settings.signingKey, Array("secret".utf8))
        XCTAssertEqual(settings.connectTimeout, .seconds(5))
        XCTAssertEqual(settings.timeout, .seconds(10))
        XCTAssertEqual(settings.maxConnections, 8)
        XCTAssertTrue(settings.verifyTLS)

        // decodeConfig matches keys ignoring case and underscores (camera_ids ↔ cameraIDs): compare so.
        func normalised(_ members: [(key: String, value: JSONValue)]) -> JSONValue {
            .object(members.filter { $0.key != "url" }.map { (String($0.key.lowercased().filter { $0 != "_" }), $0.value) })
        }
        let defaults = try JSONValue(parsing: String(decoding: try JSONEncoder().encode(WebhookConfig()), as: UTF8.self))
        XCTAssertEqual(normalised(config.objectValue ?? []), normalised(defaults.objectValue ?? []), "README block and defaults agree")
    }

    func testUnknownKeysAreWarnedButHeaderNamesAreNot() throws {
        let logs = LogStore()
        _ = try WebhookSettings(context: Fixtures.context(["url": "https://h.example.com", "secret_env": "", "urls": [],
                                                          "headers": ["x_api_key": "k"]], logs: logs),
                                environment: { _ in nil })
        XCTAssertEqual(logs.lines.map(\.metadata), [["config.path": "sinks[0].config.urls"]])
    }

    func testFilters() throws {
        let sink = try WebhookSink(context: Fixtures.context([
            "url": "https://h.example.com", "secret_env": "", "event_types": ["tracking", "anpr"],
            "camera_ids": ["camera-01", "gate"], "min_confidence": 0.8]))
        let tracking = { (c: Double) -> JSONValue in ["track_id": 1, "confidence": .double(c)] }
        XCTAssertTrue(sink.wants(Fixtures.event(type: "tracking", camera: "camera-01", data: tracking(0.9))))
        XCTAssertTrue(sink.wants(Fixtures.event(type: "tracking", camera: "gate", data: tracking(0.8))), "equal passes")
        XCTAssertFalse(sink.wants(Fixtures.event(type: "tracking", camera: "camera-01", data: tracking(0.79))))
        XCTAssertFalse(sink.wants(Fixtures.event(type: "motion", camera: "camera-01", data: ["motion_intensity": 0.9])))
        XCTAssertFalse(sink.wants(Fixtures.event(type: "tracking", camera: "camera-02", data: tracking(0.99))))
        XCTAssertTrue(sink.wants(Fixtures.event(type: "anpr", camera: "gate",
                                                data: ["anpr_result": ["license_plate": "AB123", "confidence": 0.95]])))
        XCTAssertFalse(sink.wants(Fixtures.event(type: "anpr", camera: "gate",
                                                 data: ["anpr_result": ["license_plate": "AB123", "confidence": 0.5]])))
        XCTAssertTrue(sink.wants(Fixtures.event(type: "anpr", camera: "gate", data: ["anpr_result": ["license_plate": "X"]])),
                      "no confidence passes")
        XCTAssertTrue(sink.wants(Fixtures.event(type: "tracking", camera: "gate", data: ["confidence": 1])), "integer confidence")

        let all = try WebhookSink(context: Fixtures.context(["url": "https://h.example.com", "secret_env": ""]))
        XCTAssertTrue(all.wants(Fixtures.event(type: "motion", camera: "anything", data: ["confidence": 0])))
        XCTAssertTrue(all.wants(Fixtures.event(type: "custom", camera: "x", data: .null)))
    }

    func testDescriptorMakesASink() throws {
        var raw: UnsafeMutableRawPointer?
        XCTAssertEqual(vigilPluginEntry(PluginABI.version, &raw), PluginABI.version)
        let descriptor = Unmanaged<PluginDescriptor>.fromOpaque(try XCTUnwrap(raw)).takeRetainedValue()
        XCTAssertEqual(descriptor.kind, .sink)
        XCTAssertEqual(descriptor.name, "webhook")
        let sink = try descriptor.makeSink(Fixtures.context(["url": "https://h.example.com", "secret_env": ""]))
        XCTAssertTrue(sink is any FilteringSink)
        XCTAssertThrowsError(try descriptor.makeSink(Fixtures.context([:])))
    }
}
