import XCTest
import PluginAPI

final class JSONValueTests: XCTestCase {
    func testParseAndWriteRoundTripKeepsKeyOrderAndTypes() throws {
        let text = #"{"b":1,"a":[true,false,null,-2.5,1e3,"x\"y\\z\n\u00e9\ud83d\ude00"],"c":{"z":0,"y":{}}}"#
        let value = try JSONValue(parsing: text)
        XCTAssertEqual(value.objectValue?.map(\.key), ["b", "a", "c"])
        XCTAssertEqual(value["b"], .int(1))
        XCTAssertEqual(value["a"]?[3], .double(-2.5))
        XCTAssertEqual(value["a"]?[4], .double(1000))
        XCTAssertEqual(value["a"]?[5]?.stringValue, "x\"y\\z\né😀")
        XCTAssertEqual(try JSONValue(parsing: value.jsonString), value)
        XCTAssertEqual(JSONValue.object([("k", .double(2))]).jsonString, #"{"k":2.0}"#)
    }

    func testParseErrorsGiveLineAndColumn() {
        for (text, expected) in [("{\n \"a\": tru }", "line 2, column 7: expected a JSON value"),
                                 ("[1, 2", "line 1, column 6: unexpected end of text, expected ',' or ']'"),
                                 ("{\"a\" 1}", "line 1, column 6: expected ':' after key \"a\""),
                                 ("1 2", "line 1, column 3: unexpected text after the JSON value"),
                                 ("\"abc", "line 1, column 5: unterminated string")] {
            XCTAssertThrowsError(try JSONValue(parsing: text)) { XCTAssertEqual("\($0)", expected, text) }
        }
    }

    func testMergeAndUnknownKeys() {
        let defaults: JSONValue = ["threshold": 30, "mask": ["enabled": false, "points": []]]
        let user: JSONValue = ["threshold": 20, "mask": ["enabled": true, "colour": "red"], "treshold": 5]
        XCTAssertEqual(defaults.merging(user), ["threshold": 20, "mask": ["enabled": true, "points": [], "colour": "red"], "treshold": 5])
        XCTAssertEqual(user.unknownKeys(comparedTo: defaults, path: "detectors[0].config"),
                       ["detectors[0].config.mask.colour", "detectors[0].config.treshold"])
    }

    struct Config: Codable, Equatable {
        var frameHeight = 120
        var threshold = 30.0
        var zones: [String] = []
    }

    func testDecodeConfigAppliesDefaultsAndNamesPaths() throws {
        final class Lines: @unchecked Sendable { var items: [String] = [] }
        let warnings = Lines()
        func context(_ config: JSONValue) -> PluginContext {
            PluginContext(name: "motion", cameraID: "c", config: config, configPath: "detectors[2].config",
                          logger: PluginLogger { _, message, meta in warnings.items.append("\(message) \(meta["config.path"] ?? "")") })
        }
        let decoded = try context(["frame_height": 90, "zone": "x"]).decodeConfig(defaults: Config())
        XCTAssertEqual(decoded, Config(frameHeight: 90, threshold: 30, zones: []))
        XCTAssertEqual(warnings.items, ["Unknown config key ignored detectors[2].config.zone"])
        XCTAssertThrowsError(try context(["frame_height": "tall"]).decodeConfig(defaults: Config())) {
            XCTAssertEqual("\($0)", "detectors[2].config.frame_height: expected a whole number, found a string")
        }
        XCTAssertThrowsError(try context(["zones": [1]]).decodeConfig(defaults: Config())) {
            XCTAssertEqual("\($0)", "detectors[2].config.zones[0]: expected a string, found a number")
        }
        XCTAssertThrowsError(try context([1, 2]).decodeConfig(defaults: Config())) {
            XCTAssertEqual("\($0)", "detectors[2].config: expected an object, found an array")
        }
    }

    func testImageCopiesAndExposesRows() {
        let image = Image(copying: [1, 2, 3, 4, 5, 6], width: 2, height: 1, format: .bgr8)
        XCTAssertEqual(Array(image.row(0)), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(image.channels, 3)
    }
}
