import Foundation
import PluginAPI
import XCTest
@testable import TrackingCore

/// The detector on the shared test videos (real OpenCV, real motion regions).
final class RealVideoTests: XCTestCase {
    func video(_ name: String) throws -> String {
        let path = "\(TrackingTestSupport.data)/video/\(name)"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "shared test data not present")
        return path
    }

    /// Summary lines: one per track (id, entered frame, left frame, dwell).
    func describe(_ run: TrackingTestSupport.Run) -> String {
        run.actions("entered").map { e in
            let id = e.data["track_id"]?.intValue ?? 0
            let left = run.actions("left").first { $0.data["track_id"]?.intValue == id }
            return "#\(id) \(e.data["class_name"]?.stringValue ?? "") frames \(e.frameNumber)–\(left?.frameNumber ?? -1) dwell \(left?.data["dwell_time_seconds"]?.doubleValue ?? -1)"
        }.joined(separator: "\n")
    }

    /// vtest.avi (795 frames of people walking, 10 fps) with `hog` at 5 frames/s behind motion
    /// gating, as a camera with Motion before Tracking runs it.
    func testPeopleInVtestWithHOG() throws {
        // A line across the path in the middle of the picture, and a zone on the right half.
        let line = CountingLine(name: "path", from: Point(x: 0.55, y: 0.2), to: Point(x: 0.55, y: 0.9), inSide: .left)
        let east = Zone(name: "east", polygon: [Point(x: 0.55, y: 0), Point(x: 1, y: 0), Point(x: 1, y: 1), Point(x: 0.55, y: 1)])
        let run = try TrackingTestSupport.run(try video("vtest.avi"), config: ["backend": "hog"], fps: 10, every: 2, motion: true,
                                              zones: [east], lines: [line])
        let entered = run.actions("entered"), left = run.actions("left")
        print("vtest hog: \(entered.count) tracks, \(run.actions("updated").count) updates\n\(describe(run))")
        XCTAssertGreaterThanOrEqual(entered.count, 6, "people tracks appear")
        XCTAssertLessThanOrEqual(entered.count, 60, "a few dozen people at most, not a track per frame")
        let enteredIDs = entered.compactMap { $0.data["track_id"]?.intValue }, leftIDs = left.compactMap { $0.data["track_id"]?.intValue }
        XCTAssertEqual(enteredIDs.sorted(), leftIDs.sorted(), "every entered track left, once")
        XCTAssertEqual(Set(enteredIDs).count, enteredIDs.count)
        for (id, hits) in run.detector.finishedHits {
            XCTAssertGreaterThanOrEqual(hits, 3, "track \(id) was reported with fewer detections than min_hits")
        }
        XCTAssertEqual(run.detector.finishedHits.count, entered.count)
        XCTAssertTrue(run.tracking.allSatisfy { $0.data["class_name"]?.stringValue == "person" })
        XCTAssertEqual(entered.first?.data["model_info"]?["model_type"]?.stringValue, "hog")

        // Crossings: each one adds exactly one to its direction's running count; a track crosses
        // back and forth at most a few times, never once per frame.
        let crossings = run.events.filter { $0.type == "line_crossing" }
        var counts = (in: 0, out: 0)
        for c in crossings {
            let d = try XCTUnwrap(c.data["direction"]?.stringValue)
            if d == "in" { counts.in += 1 } else { counts.out += 1 }
            XCTAssertEqual(c.data["counts"]?["person"]?["in"]?.intValue, counts.in)
            XCTAssertEqual(c.data["counts"]?["person"]?["out"]?.intValue, counts.out)
        }
        let perTrack = Dictionary(grouping: crossings, by: { $0.data["track_id"]?.intValue ?? 0 }).mapValues(\.count)
        XCTAssertGreaterThan(crossings.count, 0, "people walk across the middle")
        XCTAssertLessThanOrEqual(perTrack.values.max() ?? 0, 3, "\(perTrack)")
        print("vtest line crossings: in \(counts.in), out \(counts.out) over \(perTrack.count) tracks")
        // Zones: a track's zone list changes only through an updated event naming the new zones.
        let zoned = run.tracking.filter { $0.data["zones"]?.arrayValue?.isEmpty == false }
        XCTAssertTrue(zoned.allSatisfy { $0.data["zones"] == ["east"] })
        XCTAssertGreaterThan(zoned.count, 0)
    }

    /// The cascade backend with Debian's full-body cascade on the first 300 frames of vtest.avi.
    func testPeopleInVtestWithTheFullBodyCascade() throws {
        let cascade = "/usr/share/opencv4/haarcascades/haarcascade_fullbody.xml"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: cascade), "opencv-data not installed")
        let run = try TrackingTestSupport.run(try video("vtest.avi"), config: ["backend": "cascade", "class_name": "person",
                                              "cascade": ["path": .string(cascade)]], fps: 10, every: 2, motion: true, maxFrames: 300)
        let entered = run.actions("entered")
        print("vtest cascade: \(entered.count) tracks\n\(describe(run))")
        XCTAssertGreaterThanOrEqual(entered.count, 1)
        XCTAssertEqual(entered.count, run.actions("left").count)
        XCTAssertEqual(entered.first?.data["model_info"]?["version"]?.stringValue, "haarcascade_fullbody.xml")
    }

    /// car-detection.mp4 (377 frames, 12.5 fps, a fixed camera looking down at a car park): by
    /// eye, 4 cars drive through — a white one (frames ≈55–107), a silver and a red one passing
    /// each other (≈186–240), and another white one (≈316–346).
    func testCarsWithForeground() throws {
        let run = try TrackingTestSupport.run(try video("car-detection.mp4"), config: ["backend": "foreground", "class_name": "car"],
                                              fps: 12.5)
        let entered = run.actions("entered")
        print("car-detection foreground: \(entered.count) car tracks (4 by eye)\n\(describe(run))")
        XCTAssertEqual(entered.count, run.actions("left").count)
        XCTAssertGreaterThanOrEqual(entered.count, 4, "every car gets a track")
        XCTAssertLessThanOrEqual(entered.count, 5, "about one track per car (4 measured with the defaults)")
    }
}
