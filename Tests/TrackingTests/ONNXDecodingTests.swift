import Foundation
import PluginAPI
import XCTest
@testable import TrackingCore

/// The onnx backend on models generated here (the `onnx` package from PyPI) whose output has
/// YOLOv8's or YOLOv5's layout and fixed candidates, loaded through the real OpenCV DNN.
final class ONNXDecodingTests: XCTestCase {
    /// Candidates in the model's 320 × 320 input: centre x, centre y, width, height, class, score.
    static let candidates: [[Double]] = [
        [100, 100, 40, 80, 0, 0.9],   // person: kept
        [104, 102, 40, 80, 0, 0.8],   // the same person, IoU 0.78 with the first: suppressed
        [104, 102, 40, 80, 1, 0.7],   // a car in the same place: another class, kept
        [250, 200, 60, 30, 2, 0.2],   // under confidence_threshold: dropped
        [250, 200, 60, 30, 2, 0.6],   // dog: kept
        [200, 120, 30, 30, 0, 0.5],   // another person: kept
        [120, 100, 40, 80, 0, 0.6],   // IoU 0.33 with the first, under nms_threshold: kept
        [300, 300, 10, 10, 1, 0.0],   // nothing, twice: with 9 candidates neither output shape
        [10, 300, 10, 10, 2, 0.0],    // (1 x 7 x 9, 1 x 9 x 8) also fits the other layout
    ]
    static let names: [String] = ["person", "car", "dog"]

    /// The kept candidates in a 640 × 480 frame (letterboxed into 320 × 320: scale 0.5, 40 px bars
    /// above and below), best first: (class, score, x, y, width, height) normalised.
    static let expected: [(String, Double, Double, Double, Double, Double)] = [
        ("person", 0.9, 160.0 / 640, 40.0 / 480, 80.0 / 640, 160.0 / 480),
        ("car", 0.7, 168.0 / 640, 44.0 / 480, 80.0 / 640, 160.0 / 480),
        ("person", 0.6, 200.0 / 640, 40.0 / 480, 80.0 / 640, 160.0 / 480),
        ("dog", 0.6, 440.0 / 640, 290.0 / 480, 120.0 / 640, 60.0 / 480),
        ("person", 0.5, 370.0 / 640, 130.0 / 480, 60.0 / 640, 60.0 / 480),
    ]

    /// Writes a model with `layout` and the candidates (or skips when the `onnx` package is missing
    /// and the run does not require it; scripts/test.sh installs it and requires it).
    static func model(_ layout: String, classes: Int = 3, candidates: [[Double]] = candidates) throws -> String {
        let path = "\(TrackingTestSupport.tempDir("onnx"))/fixed-\(layout).onnx"
        let json = String(decoding: try JSONSerialization.data(withJSONObject: candidates), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(TrackingTestSupport.root)/Tests/Tools/make_yolo_onnx.py", path, layout, "320", "\(classes)", json]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if process.terminationStatus != 0 {
            if message.contains("No module named 'onnx'"), ProcessInfo.processInfo.environment["VIGIL_REQUIRE_ONNX"] == nil {
                throw XCTSkip("the onnx package is not installed (pip install onnx; scripts/test.sh does)")
            }
            throw PluginError("make_yolo_onnx.py failed: \(message)")
        }
        return path
    }

    static func blankFrame(width: Int = 640, height: Int = 480) -> Image {
        Image(copying: [UInt8](repeating: 80, count: width * height * 3), width: width, height: height, format: .bgr8)
    }

    func config(_ path: String, layout: String = "auto", classes: [String] = []) -> TrackingConfig {
        var c = TrackingConfig()
        c.backend = "onnx"
        c.onnx.modelPath = path
        c.onnx.classNames = Self.names
        c.onnx.inputSize = [320, 320]
        c.onnx.layout = layout
        c.onnx.classes = classes
        return c
    }

    /// Compares best first (ties: left first).
    func assertDecoded(_ found: [Detection], file: StaticString = #filePath, line: UInt = #line) {
        let detections = found.sorted { ($0.confidence, -$0.box.x) > ($1.confidence, -$1.box.x) }
        XCTAssertEqual(detections.map(\.confidence), found.map(\.confidence), "best first", file: file, line: line)
        XCTAssertEqual(detections.count, Self.expected.count, "\(detections)", file: file, line: line)
        for (d, e) in zip(detections, Self.expected) {
            XCTAssertEqual(d.className, e.0, file: file, line: line)
            XCTAssertEqual(d.confidence, e.1, accuracy: 1e-5, file: file, line: line)
            XCTAssertEqual(d.box.x, e.2, accuracy: 1e-4, file: file, line: line)
            XCTAssertEqual(d.box.y, e.3, accuracy: 1e-4, file: file, line: line)
            XCTAssertEqual(d.box.width, e.4, accuracy: 1e-4, file: file, line: line)
            XCTAssertEqual(d.box.height, e.5, accuracy: 1e-4, file: file, line: line)
        }
    }

    func testYOLOv8LayoutIsDecodedAndSuppressed() throws {
        let detector = try ObjectDetector(config: config(try Self.model("yolov8")), path: "detectors[1].config")
        XCTAssertEqual(detector.modelType, "onnx")
        XCTAssertEqual(detector.modelVersion, "fixed-yolov8.onnx (YOLOv8 layout, 3 classes)")
        let result = try detector.detect(Self.blankFrame(), regions: nil)
        XCTAssertNil(result.searched, "the whole frame")
        assertDecoded(result.detections)
    }

    func testYOLOv5LayoutIsDecodedAndSuppressed() throws {
        let detector = try ObjectDetector(config: config(try Self.model("yolov5")), path: "detectors[1].config")
        XCTAssertEqual(detector.modelVersion, "fixed-yolov5.onnx (YOLOv5 layout, 3 classes)")
        assertDecoded(try detector.detect(Self.blankFrame(), regions: nil).detections)
    }

    func testOnlyTheChosenClassesAreKept() throws {
        let detector = try ObjectDetector(config: config(try Self.model("yolov8"), classes: ["dog", "car"]), path: "p")
        XCTAssertEqual(try detector.detect(Self.blankFrame(), regions: nil).detections.map(\.className), ["car", "dog"])
    }

    /// Every kept box with a score of at least new_track_threshold (0.6) becomes one track; the
    /// 0.5 person may only extend a track (ByteTrack's low set), so it never enters.
    func testTheTrackerEntersEveryConfidentObjectOnce() throws {
        let path = try Self.model("yolov8")
        let detector = try TrackingTestSupport.detector(["backend": "onnx", "motion_only": false,
            "onnx": ["model_path": .string(path), "class_names": ["person", "car", "dog"], "input_size": [320, 320]]])
        var events: [Event] = []
        for n in 0..<6 {
            events += try detector.process(Frame(cameraID: "cam", number: n, timestamp: Timestamp(secondsSince1970: 1000 + Double(n) / 5),
                                                 image: Self.blankFrame()))
        }
        events += detector.finish()
        let entered = events.filter { $0.data["tracking_action"]?.stringValue == "entered" }
        XCTAssertEqual(entered.compactMap { $0.data["class_name"]?.stringValue }.sorted(), ["car", "dog", "person", "person"])
        XCTAssertEqual(entered.first?.data["model_info"]?["model_type"]?.stringValue, "onnx")
        XCTAssertEqual(events.filter { $0.data["tracking_action"]?.stringValue == "left" }.count, 4)
    }
}
