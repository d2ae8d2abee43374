import XCTest
import PluginAPI

/// `decodeConfig` (PluginAPI 1.1): optional and dictionary-valued fields are known keys, keys match
/// ignoring case and underscores, errors name the JSON path as written.
final class ConfigDecodingTests: XCTestCase {
    final class Lines: @unchecked Sendable { var items: [String] = [] }

    struct Nested: Codable, Equatable { var enabled = false; var level = 1 }
    enum Mode: String, Codable { case fast, careful }
    struct Config: Codable, Equatable {
        var cameraIDs: [String] = []
        var maxProcessMS: Int = 40
        var headers: [String: String] = [:]
        var label: String?
        var mode: Mode = .fast
        var nested = Nested()
        var extra: JSONValue = .null
        var ratio: Double = 0.5
    }

    func decode(_ config: JSONValue, _ warnings: Lines = Lines()) throws -> Config {
        let context = PluginContext(name: "p", cameraID: nil, config: config, configPath: "sinks[1].config",
                                    logger: PluginLogger { _, message, meta in warnings.items.append("\(message) \(meta["config.path"] ?? "")") })
        return try context.decodeConfig(defaults: Config())
    }

    func testOptionalDictionaryAndAcronymKeysAreKnown() throws {
        let warnings = Lines()
        let config = try decode(["camera_ids": ["a", "b"], "max_process_ms": 25, "label": "front",
                                 "headers": ["X-Api-Key": "k", "x_other": "o"], "nested": ["level": 3],
                                 "extra": ["free": ["form": 1]], "mode": "careful"], warnings)
        XCTAssertEqual(config.cameraIDs, ["a", "b"])
        XCTAssertEqual(config.maxProcessMS, 25)
        XCTAssertEqual(config.label, "front")
        XCTAssertEqual(config.headers, ["X-Api-Key": "k", "x_other": "o"])
        XCTAssertEqual(config.nested, Nested(enabled: false, level: 3))
        XCTAssertEqual(config.extra, ["free": ["form": 1]])
        XCTAssertEqual(config.mode, .careful)
        XCTAssertEqual(warnings.items, [])
    }

    func testDefaultsStayAndUnknownKeysAreWarnedWithTheirPath() throws {
        let warnings = Lines()
        let config = try decode(["labl": "x", "nested": ["enabld": true], "camera_ids": []], warnings)
        XCTAssertEqual(config, Config())
        XCTAssertEqual(warnings.items, ["Unknown config key ignored sinks[1].config.labl",
                                        "Unknown config key ignored sinks[1].config.nested.enabld"])
    }

    func testWrongTypesNameThePathAsWritten() {
        let cases: [(JSONValue, String)] = [
            (["max_process_ms": 2.5], "sinks[1].config.max_process_ms: expected a whole number, found 2.5"),
            (["camera_ids": "a"], "sinks[1].config.camera_ids: expected an array, found a string"),
            (["camera_ids": ["a", 3]], "sinks[1].config.camera_ids[1]: expected a string, found a number"),
            (["headers": ["A": 1]], "sinks[1].config.headers.A: expected a string, found a number"),
            (["nested": ["enabled": "yes"]], "sinks[1].config.nested.enabled: expected true or false, found a string"),
            (["ratio": nil], "sinks[1].config.ratio: expected a number, found null"),
            (["nested": 3], "sinks[1].config.nested: expected an object, found a number"),
        ]
        for (config, message) in cases {
            XCTAssertThrowsError(try decode(config), "\(config)") { XCTAssertEqual("\($0)", message) }
        }
        XCTAssertThrowsError(try decode(["mode": "slow"])) {
            XCTAssertTrue("\($0)".hasPrefix("sinks[1].config.mode: "), "\($0)")
            XCTAssertTrue("\($0)".contains("slow"), "\($0)")
        }
    }
}
