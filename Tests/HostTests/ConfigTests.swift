import PluginAPI
@testable import VigilConfig
@testable import VigilSinks
import XCTest

final class ConfigTests: XCTestCase {
    func parse(_ text: String, env: [String: String] = [:]) throws -> HostConfig {
        try HostConfig.parse(text, file: "plugins.json", baseDir: "/cfg", environment: env)
    }

    func assertError(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected, file: file, line: line)
        }
    }

    let valid = """
        {"plugin_dir": "plugins",
         "cameras": [{"id": "camera-01", "source": "video.avi", "detect_fps": 5, "detectors": ["motion"]},
                     {"id": "camera-02", "source": "rtsp://cam/stream", "detectors": []}],
         "detectors": [{"name": "motion", "library": "libMotion.so", "config": {"threshold": 25}}],
         "sinks": [{"name": "hook", "library": "libWebhook.so", "config": {}}]}
        """

    func testValidConfigResolvesPathsAgainstTheFile() throws {
        let c = try parse(valid)
        XCTAssertEqual(c.pluginDir, "/cfg/plugins")
        XCTAssertEqual(c.cameras.map(\.id), ["camera-01", "camera-02"])
        XCTAssertEqual(c.cameras[0].source, "/cfg/video.avi")
        XCTAssertEqual(c.cameras[1].source, "rtsp://cam/stream")
        XCTAssertEqual(c.cameras[0].detectFPS, 5)
        XCTAssertEqual(c.detectors[0].config, ["threshold": 25])
        XCTAssertEqual(c.sinks.map(\.name), ["hook"])
        XCTAssertEqual(c.warnings, [])
    }

    func testMalformedJSONGivesLineAndColumn() {
        assertError("{\n  \"cameras\": [\n    {\"id\": \"a\",}\n  ]\n}",
                    "plugins.json: malformed JSON at line 3, column 16: expected a string key")
        assertError("{\"cameras\": [", "plugins.json: malformed JSON at line 1, column 14: unexpected end of text, expected a JSON value")
    }

    func testWrongTypesNameTheJSONPath() {
        assertError(#"{"cameras": [{"id": "a", "source": "x"}, {"id": "b", "source": 7}]}"#,
                    "plugins.json: cameras[1].source: expected a string, found a number")
        assertError(#"{"cameras": {"id": "a"}}"#, "plugins.json: cameras: expected an array, found an object")
        assertError(#"{"cameras": [{"id": "a", "source": "x", "detect_fps": "fast"}]}"#,
                    "plugins.json: cameras[0].detect_fps: expected a number, found a string")
        assertError(#"{"detectors": [{"name": "m", "library": "x.so", "config": []}]}"#,
                    "plugins.json: detectors[0].config: expected an object, found an array")
        assertError(#"{"cameras": [{"source": "x"}]}"#, "plugins.json: cameras[0].id: expected a string, the key is missing")
        assertError(#"[]"#, "plugins.json: expected an object, found an array")
    }

    func testUnknownKeysAreWarningsNotErrors() throws {
        let c = try parse(#"{"camras": [], "cameras": [{"id": "a", "source": "x", "fps": 3}]}"#)
        XCTAssertEqual(c.warnings, ["plugins.json: cameras[0].fps: unknown key (ignored)",
                                    "plugins.json: camras: unknown key (ignored)"])
    }

    func testDuplicateCameraIDs() {
        assertError(#"{"cameras": [{"id": "a", "source": "x"}, {"id": "b", "source": "y"}, {"id": "a", "source": "z"}]}"#,
                    #"plugins.json: cameras[2].id: duplicate camera id "a" (already used by cameras[0])"#)
    }

    func testCameraNamingAnUnknownDetector() {
        assertError(#"{"detectors": [{"name": "motion", "library": "m.so"}], "cameras": [{"id": "a", "source": "x", "detectors": ["motion", "anpr"]}]}"#,
                    #"plugins.json: cameras[0].detectors[1]: no detector named "anpr" in detectors (have: motion)"#)
    }

    func testEnvironmentSubstitution() throws {
        let text = #"{"cameras": [{"id": "a", "source": "${CAM_URL}"}, {"id": "b", "source": "${NOPE:-/v.avi}"}]}"#
        let c = try parse(text, env: ["CAM_URL": "rtsp://user:pw@cam/1"])
        XCTAssertEqual(c.cameras.map(\.source), ["rtsp://user:pw@cam/1", "/v.avi"])
        XCTAssertThrowsError(try parse(text)) { XCTAssertEqual("\($0)",
            "plugins.json: cameras[0].source: environment variable CAM_URL is not set (use ${CAM_URL:-default})") }
    }

    func testDotEnvAndEnvironmentPrecedence() throws {
        let dir = TestSupport.tempDir()
        TestSupport.write("# comment\nexport REDIS_CHANNEL_NAME=fromfile\nAPI_PORT='9000'\nREDIS_URL=redis://h:7000/2\n", to: ".env", in: dir)
        let s = try Settings.load(environment: ["API_PORT": "9100"], directory: dir)
        XCTAssertEqual(s.channel, "fromfile")
        XCTAssertEqual(s.apiPort, 9100)
        XCTAssertEqual(s.redis, RedisAddress(host: "h", port: 7000, database: 2))
        XCTAssertThrowsError(try Settings(["API_PORT": "http"])) {
            XCTAssertEqual("\($0)", #"environment: API_PORT: expected a whole number from 0 to 65535, found "http""#)
        }
        XCTAssertThrowsError(try Settings(["ENABLE_SNAPSHOTS": "maybe"]))
    }

    func testShippedPluginsJSONIsValid() throws {
        let c = try HostConfig.load(path: "\(TestSupport.root)/plugins.json", environment: [:])
        XCTAssertEqual(c.warnings, [])
        XCTAssertEqual(Set(c.detectors.map(\.name)), ["motion", "tracking", "anpr"])
        XCTAssertEqual(c.sinks.map(\.name), [], "the example webhook sink ships disabled")
        // Enabled, the example sink entry is valid too (its delivery policy and its config keys).
        let text = try String(contentsOfFile: "\(TestSupport.root)/plugins.json", encoding: .utf8)
            .replacingOccurrences(of: "\"enabled\": false", with: "\"enabled\": true")
        let enabled = try HostConfig.parse(text, file: "plugins.json", baseDir: TestSupport.root, environment: [:])
        XCTAssertEqual(enabled.sinks.map(\.name), ["alerts"])
        let policy = try DeliveryPolicy.read(enabled.sinks[0], in: enabled, environment: [:])
        XCTAssertEqual(policy.maxAttempts, 8)
        XCTAssertEqual(policy.backoffCap, .seconds(60))
    }

    func testZonesAndLinesAreReadAndCheckedWithTheirPaths() throws {
        func camera(_ geometry: String) -> String {
            """
            {"cameras": [{"id": "c", "source": "v.avi", "detectors": [], \(geometry)}], "detectors": []}
            """
        }
        let c = try parse(camera("""
            "zones": {"door": [[0, 0], [0.5, 0], [0.5, 0.5]]}, "lines": {"gate": {"from": [0.5, 0], "to": [0.5, 1], "in": "right"}}
            """))
        XCTAssertEqual(c.cameras[0].zones, [Zone(name: "door", polygon: [Point(x: 0, y: 0), Point(x: 0.5, y: 0), Point(x: 0.5, y: 0.5)])])
        XCTAssertEqual(c.cameras[0].lines, [CountingLine(name: "gate", from: Point(x: 0.5, y: 0), to: Point(x: 0.5, y: 1), inSide: .right)])
        assertError(camera(#""zones": {"door": [[0, 0], [1, 1]]}"#),
                    "plugins.json: cameras[0].zones.door: expected at least 3 points [x, y] (0–1), found 2 points")
        assertError(camera(#""zones": {"door": [[0, 0], [1, 1], [1.5, 0]]}"#),
                    "plugins.json: cameras[0].zones.door[2]: expected x and y between 0 and 1 (fractions of the picture), found [1.5,0]")
        assertError(camera(#""zones": {"door": [[0, 0], [1, 1], "x"]}"#),
                    "plugins.json: cameras[0].zones.door[2]: expected a point [x, y], found \"x\"")
        assertError(camera(#""zones": [[0, 0]]"#),
                    "plugins.json: cameras[0].zones: expected an object of zone name → [[x, y], …], found an array")
        assertError(camera(#""lines": {"gate": {"from": [0, 0], "to": [1, 1], "in": "up"}}"#),
                    "plugins.json: cameras[0].lines.gate.in: expected \"left\" or \"right\" (seen looking from \"from\" to \"to\"), found \"up\"")
        assertError(camera(#""lines": {"gate": {"from": [0, 0]}}"#),
                    "plugins.json: cameras[0].lines.gate: expected \"from\" and \"to\" points [x, y]")
        assertError(camera(#""lines": {"gate": {"from": [0.2, 0.2], "to": [0.2, 0.2]}}"#),
                    "plugins.json: cameras[0].lines.gate: \"from\" and \"to\" are the same point")
    }

    func testMaxProcessMSIsADetectorSetting() throws {
        let c = try parse("""
            {"cameras": [], "detectors": [{"name": "m", "library": "libMotion.so", "max_process_ms": 40}]}
            """)
        XCTAssertEqual(c.detectors[0].maxProcessMS, 40)
        assertError("""
            {"cameras": [], "detectors": [{"name": "m", "library": "libMotion.so", "max_process_ms": 0}]}
            """, "plugins.json: detectors[0].max_process_ms: expected a number from 0.1 to 3600000, found 0")
    }
}
