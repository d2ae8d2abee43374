import Logging
import PluginAPI
@testable import VigilConfig
@testable import VigilPlugins
import XCTest

/// The dlopen loader against real .so files: ours, a system library, and ones built by the test.
final class LoaderTests: XCTestCase {
    let logger = Logger(label: "test")

    func so(_ name: String) -> String { "\(TestSupport.buildDir)/lib\(name).so" }

    func assertLoadError(_ path: String, expecting kind: PluginKind? = nil, _ check: (String) -> Void,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PluginLibrary.load(path: path, expecting: kind), file: file, line: line) { check("\($0)") }
    }

    func testShippedPluginsLoadWithTheirKinds() throws {
        for (name, kind) in [("Motion", PluginKind.detector), ("Tracking", .detector), ("ANPR", .detector), ("Webhook", .sink)] {
            let lib = try PluginLibrary.load(path: so(name), expecting: kind)
            XCTAssertEqual(lib.descriptor.kind, kind)
            XCTAssertEqual(lib.abi, PluginABI.version)
            XCTAssertFalse(lib.descriptor.version.isEmpty)
        }
    }

    func testMissingFile() {
        assertLoadError("/nonexistent/libX.so") { XCTAssertEqual($0, "plugin library /nonexistent/libX.so does not exist") }
    }

    func testFileThatIsNotASharedObject() {
        let path = TestSupport.write("not an ELF file", to: "libText.so", in: TestSupport.tempDir())
        assertLoadError(path) {
            XCTAssertEqual($0, "plugin library \(path) is truncated or not a shared library: no ELF header")
        }
    }

    func testSystemLibraryIsNotAPlugin() throws {
        let libz = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"]
            .first { FileManager.default.fileExists(atPath: $0) }
        let path = try XCTUnwrap(libz)
        assertLoadError(path) {
            XCTAssertTrue($0.hasPrefix("\(path) is not a vigil plugin: no vigil_plugin_entry symbol ("), $0)
            XCTAssertTrue($0.contains("undefined symbol"), $0)
        }
    }

    func testPluginBuiltForAnotherABIIsRefusedNamingBothVersions() throws {
        let dir = TestSupport.tempDir()
        let path = "\(dir)/libWrongABI.so"
        let cc = try TestSupport.run("/usr/bin/cc", ["-shared", "-fPIC", "-o", path, "\(TestSupport.root)/Tests/Fixtures/wrong_abi.c"])
        XCTAssertEqual(cc.status, 0, cc.stderr)
        assertLoadError(path) {
            XCTAssertEqual($0, "\(path) was built for plugin ABI 999, this vigil has ABI \(PluginABI.version): rebuild the plugin against this PluginAPI")
        }
    }

    func testWrongKind() {
        assertLoadError(so("Webhook"), expecting: .detector) {
            XCTAssertEqual($0, "\(so("Webhook")) is a sink plugin (\"webhook\"), not a detector")
        }
    }

    func testPluginWhoseInitThrowsIsReportedWithItsConfigPath() throws {
        let dir = try TestSupport.buildPackage(at: "\(TestSupport.root)/Tests/Fixtures/BadPlugins", name: "BadPlugins")
        let config = try HostConfig.parse("""
            {"plugin_dir": "\(dir)", "cameras": [{"id": "c1", "source": "x.avi", "detectors": ["bad"]}],
             "detectors": [{"name": "bad", "library": "libBadInit.so"}]}
            """, file: "plugins.json", baseDir: "/", environment: [:])
        let plugins = PluginSet.load(config)
        XCTAssertEqual(plugins.failures.count, 0)
        let plugin = try XCTUnwrap(plugins.detectors["bad"])
        XCTAssertThrowsError(try plugins.makeDetector(plugin, camera: nil, file: config.file, logger: logger)) {
            XCTAssertEqual("\($0)", "plugins.json: detectors[0] (bad): the plugin rejected its config: detectors[0].config.threshold: must be positive")
        }
    }

    func testConfigTypeErrorsInPluginConfigNameThePath() throws {
        let config = try HostConfig.parse("""
            {"plugin_dir": "\(TestSupport.buildDir)",
             "sinks": [{"name": "hook", "library": "libWebhook.so", "config": {"url": 5, "secret_env": ""}}]}
            """, file: "plugins.json", baseDir: "/", environment: [:])
        let plugins = PluginSet.load(config)
        XCTAssertThrowsError(try plugins.makeSink(try XCTUnwrap(plugins.sinks.first), file: config.file, logger: logger)) {
            XCTAssertEqual("\($0)", "plugins.json: sinks[0] (hook): the plugin rejected its config: sinks[0].config.url: expected a string, found a number")
        }
    }
}
