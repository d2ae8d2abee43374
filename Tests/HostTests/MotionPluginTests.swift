import PluginAPI
@testable import VigilPipeline
@testable import VigilPlugins
import XCTest

/// The Motion plugin through the real loader, on real decoded video (generated and vtest.avi).
final class MotionPluginTests: XCTestCase {
    func detector(_ config: JSONValue = [:]) throws -> any Detector {
        let library = try PluginLibrary.load(path: "\(TestSupport.buildDir)/libMotion.so", expecting: .detector)
        return try library.descriptor.makeDetector(PluginContext(
            name: "motion", cameraID: "t", config: config, configPath: "detectors[0].config", logger: PluginLogger { _, _, _ in }))
    }

    /// Runs every frame of `video` through a detector; returns its events.
    func events(_ video: String, config: JSONValue = [:], detectEvery step: Int = 1) throws -> [Event] {
        let motion = try detector(config)
        let source = try VisionSource(video)
        var out: [Event] = []
        var n = 0
        while let image = try source.read() {
            if n % step == 0 {
                out += try motion.process(Frame(cameraID: "t", number: n, timestamp: Timestamp(secondsSince1970: Double(n) / 10), image: image))
            }
            n += 1
        }
        return out + motion.finish()
    }

    func testPeopleWalkingInVtestGiveAFewMotionEventsNotHundreds() throws {
        let video = "\(TestSupport.data)/video/vtest.avi"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: video), "shared test data not present")
        let events = try events(video)
        let states = events.compactMap { $0.data["motion_state"]?.stringValue }
        XCTAssertEqual(states.first, "started")
        XCTAssertGreaterThanOrEqual(events.count, 3)
        XCTAssertLessThanOrEqual(events.count, 40, "795 frames of walking must give a few events, not one per frame")
        for e in events where e.data["motion_state"]?.stringValue != "ended" {
            XCTAssertEqual(e.type, "motion")
            let intensity = try XCTUnwrap(e.data["motion_intensity"]?.doubleValue)
            let area = try XCTUnwrap(e.data["affected_area_percentage"]?.doubleValue)
            XCTAssertTrue((0...1).contains(intensity) && intensity > 0, "\(intensity)")
            XCTAssertTrue(area > 0.2 && area < 60, "\(area)")
            XCTAssertNotNil(e.snapshot)
            XCTAssertEqual(e.snapshotKind, "motion")
        }
        print("vtest motion events: \(events.count) states=\(states)")
    }

    func testAStaticSceneGivesNoEvents() throws {
        XCTAssertEqual(try events(try VideoFixtures.staticScene()).count, 0)
    }

    func testAFrameWideBrightnessChangeIsLightningNotMotion() throws {
        XCTAssertEqual(try events(try VideoFixtures.flash()).count, 0)
    }

    func testAMovingSquareGivesEventsWhoseAreaMatchesTheSquare() throws {
        let events = try events(try VideoFixtures.movingSquare(), config: ["cooldown_seconds": 0.5])
        let moving = events.filter { $0.data["motion_state"]?.stringValue != "ended" }
        XCTAssertGreaterThanOrEqual(moving.count, 2)
        let square = 100.0 * 80 * 80 / (640 * 480)   // 2.08 % of the frame
        for e in moving {
            let area = try XCTUnwrap(e.data["affected_area_percentage"]?.doubleValue)
            XCTAssertEqual(area, square, accuracy: square * 0.6, "area \(area) vs square \(square)")
            let box = try XCTUnwrap(e.data["motion_boxes"]?[0])
            XCTAssertEqual(try XCTUnwrap(box["width"]?.doubleValue), 80.0 / 640, accuracy: 0.06)
            XCTAssertEqual(try XCTUnwrap(box["height"]?.doubleValue), 80.0 / 480, accuracy: 0.06)
            XCTAssertEqual(try XCTUnwrap(box["y"]?.doubleValue), 200.0 / 480, accuracy: 0.05)
        }
        XCTAssertEqual(events.last?.data["motion_state"]?.stringValue, "ended")
    }

    func testAMaskedAreaIsIgnored() throws {
        let mask: JSONValue = ["masks": [[[0.0, 0.3], [1.0, 0.3], [1.0, 0.7], [0.0, 0.7]]]]
        XCTAssertEqual(try events(try VideoFixtures.movingSquare(), config: mask).count, 0)
    }

    func testBadConfigIsRejectedWithItsPath() {
        XCTAssertThrowsError(try detector(["threshold": 0])) { XCTAssertTrue("\($0)".contains("threshold must be 1 to 255"), "\($0)") }
        XCTAssertThrowsError(try detector(["masks": [[[0.1, 0.1]]]])) {
            XCTAssertEqual("\($0)", "detectors[0].config.masks[0]: expected at least 3 [x, y] points between 0 and 1")
        }
    }

    func testSourcesGiveClearErrors() throws {
        XCTAssertThrowsError(try VisionSource("/nonexistent/video.mp4")) {
            XCTAssertEqual("\($0)", "/nonexistent/video.mp4: /nonexistent/video.mp4: no such file or folder")
        }
        let corrupt = TestSupport.write(String(repeating: "garbage!", count: 4096), to: "corrupt.mp4", in: TestSupport.tempDir())
        XCTAssertThrowsError(try VisionSource(corrupt)) { XCTAssertTrue("\($0)".contains("not a readable video") || "\($0)".contains("no decodable frame"), "\($0)") }
        let empty = TestSupport.tempDir()
        XCTAssertThrowsError(try VisionSource(empty)) { XCTAssertTrue("\($0)".contains("folder has no images"), "\($0)") }
    }

    func testImageFolderAndGlobSourcesReadInNameOrder() throws {
        let dir = TestSupport.tempDir("images")
        for (i, name) in ["b.ppm", "a.ppm", "c.ppm"].enumerated() {
            let header = "P6\n4 2\n255\n"
            FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data(header.utf8) + Data(repeating: UInt8(10 * (i + 1)), count: 24))
        }
        func firstBytes(_ source: String) throws -> [UInt8] {
            let s = try VisionSource(source)
            var out: [UInt8] = []
            while let image = try s.read() { out.append(image.row(0)[0]) }
            return out
        }
        XCTAssertEqual(try firstBytes(dir), [20, 10, 30])          // a, b, c
        XCTAssertEqual(try firstBytes("\(dir)/*.ppm"), [20, 10, 30])
    }
}
