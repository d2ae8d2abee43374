import Foundation
import PluginAPI
import XCTest
@testable import TrackingCore

/// Bad files and settings: one clear error at load, naming the setting and the file.
final class BadInputTests: XCTestCase {
    func loadError(_ config: JSONValue) -> String {
        do {
            _ = try TrackingTestSupport.detector(config)
            XCTFail("loaded \(config)")
            return ""
        } catch {
            let message = "\(error)"
            XCTAssertFalse(message.contains("\n"), "one line: \(message)")
            return message
        }
    }

    func testACascadePathThatDoesNotExist() {
        XCTAssertEqual(loadError(["backend": "cascade", "cascade": ["path": "/nonexistent/fullbody.xml"]]),
                       "detectors[1].config.cascade.path: /nonexistent/fullbody.xml does not exist or cannot be read")
        XCTAssertEqual(loadError(["backend": "cascade"]),
                       "detectors[1].config.cascade.path: required for the cascade backend (a Haar or LBP cascade XML)")
    }

    func testAFileThatIsNotACascade() throws {
        let path = "\(TrackingTestSupport.tempDir("bad"))/page.xml"
        try "<html><body>not a cascade</body></html>".write(toFile: path, atomically: true, encoding: .utf8)
        let message = loadError(["backend": "cascade", "cascade": ["path": .string(path)]])
        XCTAssertTrue(message.hasPrefix("detectors[1].config.cascade.path: \(path) is not a Haar or LBP cascade"), message)
    }

    func testARealCascadeLoads() throws {
        let path = "/usr/share/opencv4/haarcascades/haarcascade_fullbody.xml"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "opencv-data not installed")
        let detector = try ObjectDetector(config: {
            var c = TrackingConfig(); c.backend = "cascade"; c.cascade.path = path; return c
        }(), path: "p")
        XCTAssertEqual(detector.modelVersion, "haarcascade_fullbody.xml")
    }

    func testAnONNXFileThatIsNotAModel() throws {
        let path = "\(TrackingTestSupport.tempDir("bad"))/yolov8n.onnx"
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: path))
        let message = loadError(["backend": "onnx", "onnx": ["model_path": .string(path), "class_names": ["person"]]])
        XCTAssertTrue(message.hasPrefix("detectors[1].config.onnx.model_path: \(path) is not an ONNX model OpenCV can read"), message)
    }

    func testClassNamesThatDoNotMatchTheModel() throws {
        let path = try ONNXDecodingTests.model("yolov8")
        let message = loadError(["backend": "onnx", "onnx": ["model_path": .string(path), "class_names": ["person", "car"], "input_size": [320, 320]]])
        XCTAssertEqual(message, "detectors[1].config.onnx.class_names: 2 names, but the model's output is 1 x 7 x 9 (it fits YOLOv8 with 3 classes or YOLOv5 with 4 classes)")
        let v5 = try ONNXDecodingTests.model("yolov5")
        let forced = loadError(["backend": "onnx", "onnx": ["model_path": .string(v5), "class_names": ["a", "b", "c"], "input_size": [320, 320],
                                                         "layout": "yolov8"]])
        XCTAssertEqual(forced, "detectors[1].config.onnx.class_names: 3 names, but the model's output is 1 x 9 x 8, which is not the YOLOv8 layout for them (it fits YOLOv8 with 5 classes or YOLOv5 with 3 classes)")
    }

    func testSettingsOutOfRangeOrMisspelt() {
        XCTAssertEqual(loadError(["backend": "yolo"]), "detectors[1].config.backend: expected hog, cascade, foreground or onnx, found \"yolo\"")
        XCTAssertEqual(loadError(["min_hits": 0]), "detectors[1].config.min_hits: expected a number from 1 to 1000, found 0")
        XCTAssertEqual(loadError(["hog": ["upscale": 9]]), "detectors[1].config.hog.upscale: must be 0.25 to 4")
        XCTAssertEqual(loadError(["backend": "foreground", "foreground": ["history": 0]]), "detectors[1].config.foreground.history: must be 1 to 100000")
        XCTAssertEqual(loadError(["backend": "onnx"]), "detectors[1].config.onnx.class_names: expected the model's class names, in its order")
        XCTAssertEqual(loadError(["snapshot": "yes"]), "detectors[1].config.snapshot: expected box, crop or none")
    }
}
