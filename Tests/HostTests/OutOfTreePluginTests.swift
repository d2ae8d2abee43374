import Logging
import PluginAPI
@testable import VigilPlugins
@testable import VigilPipeline
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

    /// PluginAPI 1.1 grew additively: a plugin built against PluginAPI as it was before (commit
    /// b20d1ad, read from git) loads into this host, shares its libPluginAPI.so and runs in a chain.
    func testPluginBuiltAgainstPluginAPI10LoadsAndRunsInThisHost() throws {
        let outside = TestSupport.tempDir("old-api")
        // The template and PluginAPI exactly as they were at b20d1ad, laid out as in the repository.
        for folder in ["Sources/PluginAPI", "Templates/DetectorPlugin"] {
            let files = try TestSupport.run("/usr/bin/git", ["-C", TestSupport.root, "ls-tree", "-r", "--name-only", "b20d1ad", folder])
            XCTAssertEqual(files.status, 0, "git history is needed for this test: \(files.stderr)")
            for file in files.stdout.split(separator: "\n").map(String.init) {
                let text = try TestSupport.run("/usr/bin/git", ["-C", TestSupport.root, "show", "b20d1ad:\(file)"])
                let target = "\(outside)/\(file)"
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.stdout.write(toFile: target, atomically: true, encoding: .utf8)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(outside)/Sources/PluginAPI/Sources/PluginAPI/Annotations.swift"),
                       "the old API has no annotations")
        let copy = "\(outside)/Templates/DetectorPlugin"
        let dir = try TestSupport.buildPackage(at: copy, name: "OldAPI")

        let library = try PluginLibrary.load(path: "\(dir)/libBrightnessDetector.so", expecting: .detector)
        let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        XCTAssertFalse(maps.contains("\(dir)/libPluginAPI.so"), "the old plugin binds to this host's libPluginAPI.so, not its own copy")
        var context = PluginContext(name: "brightness", cameraID: "c1", config: ["threshold": 100], configPath: "detectors[1].config",
                                    logger: PluginLogger { _, _, _ in })
        context.zones = [Zone(name: "all", polygon: [Point(x: 0, y: 0), Point(x: 1, y: 0), Point(x: 1, y: 1)])]
        context.emitter = EventEmitter { _ in true }
        let old = try library.descriptor.makeDetector(context)
        XCTAssertFalse(old is SelectiveDetector)
        final class Out: @unchecked Sendable { var events: [Event] = [] }
        let out = Out()
        let chain = DetectorChain(links: [.init(name: "brightness", detector: old)], cameraID: "c1", logger: Logger(label: "test"),
                                  emit: { out.events += $0 })
        for (n, value) in [UInt8(40), 200, 220].enumerated() {
            let notes = FrameAnnotations()
            notes.motion = MotionRegions(boxes: [Box(x: 0, y: 0, width: 1, height: 1)])
            chain.process(Frame(cameraID: "c1", number: n, timestamp: Timestamp(secondsSince1970: 1_700_000_000 + Double(n)),
                                image: Image(copying: [UInt8](repeating: value, count: 64 * 48 * 3), width: 64, height: 48, format: .bgr8),
                                annotations: notes))
        }
        chain.finish()
        XCTAssertEqual(out.events.map(\.frameNumber), [1, 2], "the old plugin sees every frame and reports the bright ones")
        XCTAssertEqual(chain.stats[0].counters.errors, 0)
    }
}
