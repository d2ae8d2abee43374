import Logging
import PluginAPI
@testable import VigilPlugins
import XCTest

/// A third party's plugin: the template copied outside vigil's tree, built against PluginAPI
/// by path, and loaded by the already-built host with no rebuild.
final class OutOfTreePluginTests: XCTestCase {
    func testTemplateBuiltOutsideTheTreeLoadsAndRuns() throws {
        let outside = TestSupport.tempDir("third-party")
        let copy = "\(outside)/BrightnessDetector"
        try FileManager.default.copyItem(atPath: "\(TestSupport.root)/Templates/DetectorPlugin", toPath: copy)
        let manifest = "\(copy)/Package.swift"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
            .replacingOccurrences(of: "../../Sources/PluginAPI", with: "\(TestSupport.root)/Sources/PluginAPI")
        try text.write(toFile: manifest, atomically: true, encoding: .utf8)

        let dir = try TestSupport.buildPackage(at: copy, name: "OutOfTree")
        let path = "\(dir)/libBrightnessDetector.so"
        let ldd = try TestSupport.run("/usr/bin/ldd", [path])
        XCTAssertTrue(ldd.stdout.contains("libPluginAPI.so"), "the plugin must link PluginAPI dynamically:\n\(ldd.stdout)")

        let library = try PluginLibrary.load(path: path, expecting: .detector)
        XCTAssertEqual(library.descriptor.name, "brightness")
        let context = PluginContext(name: "brightness", cameraID: "c1", config: ["threshold": 100], configPath: "detectors[0].config",
                                    logger: PluginLogger { _, _, _ in })
        let detector = try library.descriptor.makeDetector(context)

        func frame(_ value: UInt8, _ n: Int) -> Frame {
            Frame(cameraID: "c1", number: n, timestamp: Timestamp(secondsSince1970: 1_700_000_000),
                  image: Image(copying: [UInt8](repeating: value, count: 64 * 48 * 3), width: 64, height: 48, format: .bgr8))
        }
        XCTAssertEqual(try detector.process(frame(40, 0)).count, 0)
        let events = try detector.process(frame(200, 1))
        XCTAssertEqual(events.map(\.type), ["brightness"])
        XCTAssertEqual(events.first?.frameNumber, 1)
        XCTAssertEqual(events.first?.data["mean"]?.doubleValue, 200)
    }
}
