import PluginAPI
import XCTest
@testable import ANPREngine

/// Plates rendered into cluttered scenes (rotated, blurred, noisy) are found and read back exactly
/// by the real pipeline: OpenCV localisation and segmentation, Tesseract character by character.
final class GeneratedPlateTests: XCTestCase {
    func testRenderedPlatesReadBackExactly() throws {
        let cases: [(text: String, angle: Double, blur: Double, noise: Double)] = [
            ("7ABC123", 0, 0, 0), ("5TRK482", -4, 0.8, 6), ("KXN9036", 3, 1.0, 8),
            ("8HWE517", 6, 0.6, 4), ("2MPV764", -6, 1.2, 10), ("6DJS250", 2, 0.8, 12),
        ]
        let detector = try ANPRTestSupport.detector()
        var events: [Event] = []
        for (i, c) in cases.enumerated() {
            let image = try ANPRTestSupport.scene(c.text, angle: c.angle, blur: c.blur, noise: c.noise, seed: UInt32(10 + i))
            // 100 s apart: each plate is its own vehicle pass, ended by the next frame
            events += try detector.process(ANPRTestSupport.frame(image, number: i, seconds: Double(i) * 100))
        }
        events += detector.finish()
        XCTAssertEqual(ANPRTestSupport.plates(events), cases.map(\.text))
    }

    func testEventShapeIsTheSeedsWithExtraKeys() throws {
        let detector = try ANPRTestSupport.detector(["snapshot": true])
        let image = try ANPRTestSupport.scene("4KBZ265", angle: 2, blur: 0.8, noise: 5, seed: 3)
        let events = try detector.process(ANPRTestSupport.frame(image, number: 7, seconds: 0)) + detector.finish()
        XCTAssertEqual(events.count, 1)
        let event = try XCTUnwrap(events.first)
        XCTAssertEqual(event.type, "anpr")
        XCTAssertEqual(event.snapshotKind, "anpr")
        XCTAssertNotNil(event.snapshot)
        XCTAssertEqual(event.frameNumber, 7)
        let result = try XCTUnwrap(event.data["anpr_result"])
        XCTAssertEqual(result.objectValue?.map(\.key), ["license_plate", "confidence", "region"])
        XCTAssertEqual(result["license_plate"]?.stringValue, "4KBZ265")
        XCTAssertEqual(result["region"]?.stringValue, "us")
        let confidence = try XCTUnwrap(result["confidence"]?.doubleValue)
        XCTAssert((0.5...1).contains(confidence), "confidence \(confidence)")
        XCTAssertEqual(event.data["candidates"]?[0]?["plate"]?.stringValue, "4KBZ265")
        let box = try XCTUnwrap(event.data["plate_box"].flatMap(Box.init(json:)))
        XCTAssert(box.width > 0.05 && box.width < 0.5 && box.height > 0.01, "plate box \(box)")
    }

    func testReadingRunsOnItsOwnThreadAndEmits() throws {
        let emitted = EmittedEvents()
        let detector = try ANPRTestSupport.detector(emitter: emitted.emitter)
        let plates = ["3FGH201", "9LMT458"]
        for (i, text) in plates.enumerated() {
            let image = try ANPRTestSupport.scene(text, angle: 1, blur: 0.6, noise: 4, seed: UInt32(40 + i))
            XCTAssertEqual(try detector.process(ANPRTestSupport.frame(image, number: i, seconds: Double(i) * 100)).count, 0,
                           "process returns at once; events come through the emitter")
        }
        let remaining = detector.finish()
        XCTAssertEqual(ANPRTestSupport.plates(emitted.all + remaining), plates)
    }

    func testDebianEngAloneReadsAPlate() throws {
        let detector = try ANPRTestSupport.detector(["tessdata_dir": "/usr/share/tesseract-ocr/5/tessdata", "language": "eng"])
        let image = try ANPRTestSupport.scene("7ABC123", seed: 5)
        let events = try detector.process(ANPRTestSupport.frame(image, number: 0, seconds: 0)) + detector.finish()
        XCTAssertEqual(ANPRTestSupport.plates(events), ["7ABC123"])
    }
}
