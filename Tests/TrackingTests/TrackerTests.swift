import PluginAPI
import XCTest
@testable import TrackingCore

/// The tracker on made-up detections (pure logic: no pictures, a stand-in appearance probe).
final class TrackerTests: XCTestCase {
    struct Probe: AppearanceProbe {
        let look: (Box) -> [Float]?
        func patch(_ box: Box) -> [Float]? { look(box) }
    }

    static let texture: [Float] = (0..<256).map { Float(($0 * 37) % 251) }
    static let other: [Float] = (0..<256).map { Float(($0 * 91 + 17) % 241) }

    var standing = true

    func person(_ x: Double, _ y: Double = 0.4, confidence: Double = 0.9) -> Detection {
        Detection(box: Box(x: x, y: y, width: 0.08, height: 0.2), confidence: confidence, className: "person")
    }

    /// Runs `frames` frames at 10 fps; returns every step.
    func run(_ tracker: Tracker, frames: Range<Int>, probe: AppearanceProbe? = nil, searched: (Int) -> [Box]? = { _ in nil },
             detections: (Int) -> [Detection]) -> [TrackerStep] {
        frames.map { f in tracker.update(detections(f), searched: searched(f), time: 1000 + Double(f) / 10, frame: f, probe: probe) }
    }

    func testTwoObjectsCrossingKeepTheirIDsThroughAMergedDetection() {
        let tracker = Tracker(settings: TrackerSettings())
        func a(_ f: Int) -> Box { Box(x: 0.05 + 0.01 * Double(f), y: 0.40, width: 0.08, height: 0.2) }
        func b(_ f: Int) -> Box { Box(x: 0.85 - 0.01 * Double(f), y: 0.44, width: 0.08, height: 0.2) }
        var merged = 0
        let steps = run(tracker, frames: 0..<80) { f in
            let boxes = [a(f), b(f)]
            if boxes[0].iou(boxes[1]) > 0.2 {   // a background model sees one blob while they overlap
                merged += 1
                return [Detection(box: boxes[0].union(boxes[1]), confidence: 1, className: "person")]
            }
            return boxes.map { Detection(box: $0, confidence: 1, className: "person") }
        }
        XCTAssertGreaterThan(merged, 4, "the scenario must have frames with one merged detection")
        let entered = steps.flatMap(\.entered)
        XCTAssertEqual(entered.count, 2)
        let (first, second) = (entered[0], entered[1])
        // Whichever id went to which object, it must still be that object at the end.
        let aID = first.firstBox.x < 0.5 ? first.id : second.id
        let final = tracker.confirmed
        XCTAssertEqual(final.count, 2)
        for track in final {
            let truth = track.id == aID ? a(79) : b(79)
            XCTAssertGreaterThan(track.lastBox.iou(truth), 0.7, "track \(track.id) swapped objects")
        }
        XCTAssertTrue(steps.allSatisfy(\.left.isEmpty))
    }

    func testATrackIsConfirmedAfterMinHitsAndNoiseNever() {
        let tracker = Tracker(settings: TrackerSettings(minHits: 3))
        let steps = run(tracker, frames: 0..<20) { f in
            var d = [self.person(0.2 + 0.005 * Double(f))]
            if f % 5 == 0 { d.append(self.person(0.7, 0.1 + 0.03 * Double(f))) }   // single-frame noise, never twice in place
            if f == 10 || f == 11 { d.append(self.person(0.5, 0.7)) }              // seen twice only
            return d
        }
        XCTAssertEqual(steps[2].entered.count, 1, "confirmed on its third detection")
        XCTAssertEqual(steps.flatMap(\.entered).count, 1)
        XCTAssertEqual(steps[2].entered.first?.firstFrame, 0)
    }

    func testLowScoreDetectionsExtendATrackInTheSecondPass() {
        for lowEnabled in [true, false] {
            let settings = TrackerSettings(maxAgeSeconds: 0.5, lowThreshold: lowEnabled ? 0.1 : 0.5)
            let tracker = Tracker(settings: settings)
            let steps = run(tracker, frames: 0..<40) { f in
                [self.person(0.2 + 0.004 * Double(f), confidence: f < 10 || f >= 30 ? 0.9 : 0.3)]   // partly hidden: weak
            }
            let ids = Set(steps.flatMap(\.entered).map(\.id))
            if lowEnabled {
                XCTAssertEqual(ids.count, 1, "one track all along")
                XCTAssertTrue(steps.allSatisfy(\.left.isEmpty))
            } else {
                XCTAssertEqual(ids.count, 2, "without the second pass the track is lost and a new one starts")
            }
        }
    }

    func testATrackNobodyLookedAtIsHeldNotAged() {
        let tracker = Tracker(settings: TrackerSettings(maxAgeSeconds: 0.5))
        let elsewhere = [Box(x: 0.6, y: 0, width: 0.4, height: 1)]
        let steps = run(tracker, frames: 0..<200, searched: { $0 < 10 ? nil : elsewhere }) { f in
            f < 10 ? [self.person(0.1 + 0.01 * Double(f))] : []
        }
        XCTAssertEqual(steps.flatMap(\.entered).count, 1)
        XCTAssertTrue(steps.allSatisfy(\.left.isEmpty), "19 s outside every searched area is not an absence")
        XCTAssertEqual(tracker.confirmed.first?.predictedBox.x ?? 0, 0.19, accuracy: 0.02, "held in place, not drifting")
        // Once someone looks there and it is gone, it leaves after max_age.
        let later = run(tracker, frames: 200..<210, searched: { _ in nil }) { _ in [] }
        XCTAssertEqual(later.flatMap(\.left).count, 1)
    }

    /// As with a background model (foreground), which stops reporting a parked car.
    func testAParkedObjectKeepsItsIDForTenMinutesAndLeavesOnce() {
        let settings = TrackerSettings(stationaryMaxAgeSeconds: 5, detectorSeesStill: false)
        let tracker = Tracker(settings: settings)
        var present = true
        let probe = Probe { box in
            // The parked object's look where it stands; something else once it has gone.
            abs(box.x - 0.5) < 0.05 && present ? Self.texture : Self.other
        }
        let parkedAt = 40, detectedUntil = 100, goneAt = 40 + 6000   // 10 minutes at 10 fps
        var steps = run(tracker, frames: 0..<goneAt, probe: probe) { f in
            if f < parkedAt { return [self.person(0.1 + 0.01 * Double(f))] }
            return f < detectedUntil ? [self.person(0.1 + 0.01 * Double(parkedAt))] : []   // then absorbed: no detections
        }
        present = false
        steps += run(tracker, frames: goneAt..<(goneAt + 100), probe: probe) { _ in [] }
        let entered = steps.flatMap(\.entered), left = steps.flatMap(\.left)
        XCTAssertEqual(entered.count, 1)
        XCTAssertEqual(left.count, 1)
        XCTAssertEqual(left.first?.id, entered.first?.id)
        let track = try! XCTUnwrap(left.first)
        XCTAssertEqual(track.lastFrame, goneAt - 1, "last seen on the last frame it was there")
        XCTAssertEqual(track.dwellSeconds, Double(goneAt - 1) / 10, accuracy: 0.01)
        let leftStep = steps.firstIndex { !$0.left.isEmpty }!
        XCTAssertLessThanOrEqual(leftStep - goneAt, 5 * 10 + 2, "left within stationary_max_age of being gone")
    }

    func testAStillTrackThatDisappearsIsNotKeptByTheBackground() {
        // Stopped briefly, then walked out of the picture: the probe sees only background where it stood.
        let tracker = Tracker(settings: TrackerSettings(maxAgeSeconds: 1, stationaryMaxAgeSeconds: 3))
        let probe = Probe { box in abs(box.x - 0.3) < 0.01 && self.standing ? Self.texture : Self.other }
        let steps = run(tracker, frames: 0..<100, probe: probe) { f in
            self.standing = f < 40
            return f < 40 ? [self.person(0.3)] : []
        }
        let left = steps.flatMap(\.left)
        XCTAssertEqual(left.count, 1)
        XCTAssertEqual(left.first?.lastFrame, 39)
    }

    /// A detector that does report still objects (hog, onnx) looked at a still track for
    /// stationary_max_age and never found it: it goes, even though the picture there is unchanged
    /// (a false detection on a static thing must not live for ever).
    func testAStillTrackTheDetectorKeepsMissingIsDroppedDespiteItsLook() {
        let tracker = Tracker(settings: TrackerSettings(stationaryMaxAgeSeconds: 3))
        let probe = Probe { _ in Self.texture }
        let steps = run(tracker, frames: 0..<120, probe: probe) { f in f < 40 ? [self.person(0.3)] : [] }
        XCTAssertEqual(steps.flatMap(\.left).count, 1)
        let leftAt = steps.firstIndex { !$0.left.isEmpty } ?? -1
        XCTAssertEqual(leftAt, 40 + 31, accuracy: 2, "after 3 s of misses")
    }
}
