import Foundation
import PluginAPI
import PluginKit
import XCTest
@testable import BrightnessDetector

/// The detector tested with vigil's PluginKit: no PostgreSQL, Redis or vigil process needed.
final class BrightnessDetectorTests: XCTestCase {
    /// Ten dark frames, then ten bright ones.
    let frames = TestFrames.drawn(count: 20, width: 160, height: 120) { i, canvas in canvas.fill(gray: i < 10 ? 40 : 200) }

    func testBrightFramesGiveEventsWithTheirMean() throws {
        let harness = DetectorHarness()
        try harness.add("brightness", config: ["threshold": 100]) { try BrightnessDetector(context: $0) }
        let run = harness.run(frames)
        XCTAssertEqual(run.events.map(\.frameNumber), Array(10..<20))
        XCTAssertEqual(run.events.first?.type, "brightness")
        XCTAssertEqual(run.events.first?.data["mean"]?.doubleValue, 200)
        XCTAssertEqual(run.logs(atLeast: .warning).count, 0, "\(run.logs)")
    }

    func testOnlyFramesWithMotionWhenMotionRunsFirst() throws {
        // A stand-in motion detector (a real chain would run vigil's libMotion.so first) marks motion on frames 15-19.
        final class MarksMotion: Detector {
            func process(_ frame: Frame) throws -> [Event] {
                frame.annotations.motion = MotionRegions(boxes: frame.number >= 15 ? [Box(x: 0, y: 0, width: 1, height: 1)] : [])
                return []
            }
        }
        let harness = DetectorHarness()
        try harness.add("motion") { _ in MarksMotion() }
        try harness.add("brightness", config: ["threshold": 100, "motion_only": true]) { try BrightnessDetector(context: $0) }
        let run = harness.run(frames)
        XCTAssertEqual(run.events.map(\.frameNumber), Array(15..<20), "still frames are not even given to it")
        XCTAssertEqual(run.counters[1].skipped, 15)
    }

    func testBadConfigIsOneClearError() {
        let harness = DetectorHarness()
        XCTAssertThrowsError(try harness.add("brightness", config: ["sample_step": 0]) { try BrightnessDetector(context: $0) }) {
            XCTAssertEqual("\($0)", "detectors[0].config.sample_step: must be at least 1")
        }
        XCTAssertThrowsError(try harness.add("brightness", config: ["threshold": "high"]) { try BrightnessDetector(context: $0) }) {
            XCTAssertEqual("\($0)", "detectors[0].config.threshold: expected a number, found a string")
        }
    }

    /// The built .so (next to this test bundle), checked by vigil's own loader: run `swift build`
    /// before `swift test`.
    func testTheBuiltLibraryLoadsIntoVigil() throws {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let library = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("libBrightnessDetector.so").path
        guard FileManager.default.fileExists(atPath: library) else {
            return XCTFail("\(library) is missing: run `swift build` before `swift test`")
        }
        let report = try PluginFile.check(library, kind: .detector)
        XCTAssertEqual(report.name, "brightness")
        XCTAssertEqual(report.kind, .detector)
        XCTAssertTrue(report.sameToolchain, "built by \(report.toolchain ?? "?")")
    }
}
