import Foundation
import PluginAPI
import XCTest
@testable import ANPREngine

/// Reads of one plate over many frames become one event; known plates match through a misread.
final class FusionAndKnownPlatesTests: XCTestCase {
    func testTenFramesWithOneMisreadGiveOneEventWithTheRightText() throws {
        let detector = try ANPRTestSupport.detector()
        var events: [Event] = []
        for i in 0..<10 {
            // frame 6 shows the plate with one character changed: what a misread gives the fusion
            let text = i == 6 ? "5TRK432" : "5TRK482"
            let image = try ANPRTestSupport.scene(text, angle: Double(i % 3) - 1, blur: 0.7, noise: 5, seed: 7)
            events += try detector.process(ANPRTestSupport.frame(image, number: i, seconds: Double(i) * 0.2))
        }
        XCTAssertEqual(events.count, 0, "the pass is still open")
        events += detector.finish()
        XCTAssertEqual(ANPRTestSupport.plates(events), ["5TRK482"])
        XCTAssertEqual(events.first?.data["frames"]?.intValue, 10)
        XCTAssertEqual(events.first?.data["votes"]?[1]?["plate"]?.stringValue, "5TRK432")
    }

    func testTheSamePlateIsNotReportedAgainWithinItsCooldown() throws {
        let detector = try ANPRTestSupport.detector(["cooldown_seconds": 30, "pass_gap_seconds": 2])
        let image = try ANPRTestSupport.scene("KXN9036", seed: 8)
        var events: [Event] = []
        for (i, t) in [0.0, 10, 20, 60].enumerated() { events += try detector.process(ANPRTestSupport.frame(image, number: i, seconds: t)) }
        events += detector.finish()
        XCTAssertEqual(events.map(\.frameNumber), [0, 3], "the passes at 10 s and 20 s fall in the first one's cooldown")
    }

    func testOneCharacterMisreadMatchesAKnownPlate() throws {
        let detector = try ANPRTestSupport.detector(["known_plates": ["8HWE517": "delivery van"], "max_edit_distance": 1])
        let image = try ANPRTestSupport.scene("8HWE511", angle: 2, blur: 0.6, noise: 4, seed: 9)
        let events = try detector.process(ANPRTestSupport.frame(image, number: 0, seconds: 0)) + detector.finish()
        XCTAssertEqual(ANPRTestSupport.plates(events), ["8HWE511"])
        let known = try XCTUnwrap(events.first?.data["known_plate"])
        XCTAssertEqual(known["plate"]?.stringValue, "8HWE517")
        XCTAssertEqual(known["label"]?.stringValue, "delivery van")
        XCTAssertEqual(known["distance"]?.intValue, 1)
    }

    func testKnownPlatesFileInTheStateFolder() throws {
        let state = ANPRTestSupport.tempDir()
        try "# plate,label\n2mpv-764, visitor\n\n".write(toFile: "\(state)/known_plates.csv", atomically: true, encoding: .utf8)
        let detector = try ANPRTestSupport.detector(stateDirectory: state)
        let image = try ANPRTestSupport.scene("2MPV764", seed: 11)
        let events = try detector.process(ANPRTestSupport.frame(image, number: 0, seconds: 0)) + detector.finish()
        XCTAssertEqual(events.first?.data["known_plate"]?["label"]?.stringValue, "visitor")
        XCTAssertEqual(events.first?.data["known_plate"]?["distance"]?.intValue, 0)
    }

    func testFarOffReadIsNoKnownPlate() throws {
        let known = try KnownPlates(config: ["ABC1234": "x"], file: nil)
        XCTAssertEqual(known.match("ABC1284", maxDistance: 1)?.plate, "ABC1234")
        XCTAssertNil(known.match("ABD1284", maxDistance: 1))
        XCTAssertEqual(known.match("ABD1284", maxDistance: 2)?.distance, 2)
    }
}
