import Foundation
import PluginAPI
import XCTest
@testable import TrackingCore

/// The README's plugins.json block is the plugin's defaults: it decodes with no unknown key and
/// equals `TrackingConfig()`; its examples load.
final class ReadmeConfigTests: XCTestCase {
    func readmeBlocks() throws -> [String] {
        let text = try String(contentsOfFile: "\(TrackingTestSupport.root)/Plugins/Tracking/README.md", encoding: .utf8)
        return text.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    func testTheREADMEBlockIsTheDefaults() throws {
        let entry = try JSONValue(parsing: try XCTUnwrap(readmeBlocks().first))
        let config = try XCTUnwrap(entry["config"])
        final class Warnings: @unchecked Sendable { var paths: [String] = [] }
        let warnings = Warnings()
        let context = PluginContext(name: "tracking", cameraID: "c", config: config, configPath: "detectors[1].config",
                                    logger: PluginLogger { _, _, metadata in warnings.paths.append(metadata["config.path"] ?? "") })
        let decoded = try context.decodeConfig(defaults: TrackingConfig())
        XCTAssertEqual(warnings.paths, [], "keys the plugin does not read")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(String(decoding: try encoder.encode(decoded), as: UTF8.self),
                       String(decoding: try encoder.encode(TrackingConfig()), as: UTF8.self))
        XCTAssertEqual(entry["library"]?.stringValue, "libTracking.so")
    }

    func testTheExamplesLoad() throws {
        let lines = try readmeBlocks()[1].split(separator: "\n").map(String.init)
        // Each example starts a line with {"backend"; the onnx one needs a real model, so only its shape is read.
        let examples = lines.reduce(into: [String]()) { acc, line in
            if line.hasPrefix("{\"backend\"") { acc.append(line) } else if !acc.isEmpty { acc[acc.count - 1] += "\n" + line }
        }
        XCTAssertEqual(examples.count, 3)
        for example in examples.prefix(2) {
            let config = try JSONValue(parsing: example)
            if config["backend"]?.stringValue == "cascade",
               !FileManager.default.fileExists(atPath: config["cascade"]?["path"]?.stringValue ?? "") { continue }
            XCTAssertNoThrow(try TrackingTestSupport.detector(config), example)
        }
        XCTAssertNotNil(try? JSONValue(parsing: examples[2]))
    }
}
