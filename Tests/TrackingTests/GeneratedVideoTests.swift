import PluginAPI
import XCTest
@testable import TrackingCore

/// The whole detector (foreground backend, real OpenCV) on generated videos with known ground truth.
final class GeneratedVideoTests: XCTestCase {
    /// A fixed grey texture, so the background has detail as a real one does.
    static func background(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let v = UInt8(90 + ((x / 8 + y / 8) % 2) * 20 + (x * 7 + y * 13) % 9)
        return (v, v &+ 5, v)
    }

    static func fill(_ px: inout [UInt8], width: Int, height: Int) {
        for y in 0..<height { for x in 0..<width {
            let (b, g, r) = background(x, y), o = (y * width + x) * 3
            px[o] = b; px[o + 1] = g; px[o + 2] = r
        } }
    }

    /// A rectangle with a pattern inside (centre cx, cy).
    static func object(_ px: inout [UInt8], width: Int, height: Int, cx: Double, cy: Double, w: Int, h: Int, colour: (UInt8, UInt8, UInt8)) {
        let x0 = Int(cx) - w / 2, y0 = Int(cy) - h / 2
        guard max(0, x0) < min(width, x0 + w), max(0, y0) < min(height, y0 + h) else { return }
        for y in max(0, y0)..<min(height, y0 + h) { for x in max(0, x0)..<min(width, x0 + w) {
            let stripe = ((x - x0) / 4 + (y - y0) / 6) % 2 == 0
            let o = (y * width + x) * 3
            px[o] = stripe ? colour.0 : colour.0 / 2; px[o + 1] = stripe ? colour.1 : colour.1 / 2; px[o + 2] = stripe ? colour.2 : colour.2 / 2
        } }
    }

    /// Two objects cross each other's path in an X (A from top left to bottom right, B from top
    /// right to bottom left); they meet in the middle on frame 60. A is in the picture on frames
    /// 20–99, B on 25–94. A vertical line down the middle counts them.
    func testTwoObjectsCrossingPaths() throws {
        let (width, height) = (320, 240)
        func a(_ f: Int) -> (Double, Double) { let p = Double(f - 20) / 80; return (40 + 240 * p, 50 + 140 * p) }
        func b(_ f: Int) -> (Double, Double) { let p = Double(f - 25) / 70; return (280 - 240 * (Double(f - 20) / 80), 50 + 140 * p) }
        let video = try TrackingTestSupport.writeVideo("crossing", width: width, height: height, fps: 10, frames: 130) { f, px in
            Self.fill(&px, width: width, height: height)
            if (20...99).contains(f) { let p = a(f); Self.object(&px, width: width, height: height, cx: p.0, cy: p.1, w: 24, h: 44, colour: (40, 40, 230)) }
            if (25...94).contains(f) { let p = b(f); Self.object(&px, width: width, height: height, cx: p.0, cy: p.1, w: 24, h: 44, colour: (230, 120, 20)) }
        }
        let line = CountingLine(name: "middle", from: Point(x: 0.5, y: 0), to: Point(x: 0.5, y: 1), inSide: .left)   // left of downwards: x > 0.5
        let run = try TrackingTestSupport.run(video, config: ["backend": "foreground", "foreground": ["history": 200]], fps: 10, lines: [line])

        let entered = run.actions("entered"), left = run.actions("left")
        XCTAssertEqual(entered.count, 2, "two objects, two tracks: \(entered.map(\.data))")
        XCTAssertEqual(left.count, 2)
        XCTAssertEqual(Set(entered.compactMap { $0.data["track_id"]?.intValue }), Set(left.compactMap { $0.data["track_id"]?.intValue }))
        guard entered.count == 2 else { return }
        // Which id is A: the one that entered first (frame 20), top left.
        let aEntered = try XCTUnwrap(entered.first { $0.frameNumber <= 22 })
        let aID = try XCTUnwrap(aEntered.data["track_id"]?.intValue)
        let bEntered = try XCTUnwrap(entered.first { $0.data["track_id"]?.intValue != aID })
        XCTAssertEqual(aEntered.frameNumber, 20, accuracy: 1)
        XCTAssertEqual(bEntered.frameNumber, 25, accuracy: 1)
        let aLeft = try XCTUnwrap(left.first { $0.data["track_id"]?.intValue == aID })
        let bLeft = try XCTUnwrap(left.first { $0.data["track_id"]?.intValue != aID })
        XCTAssertEqual(aLeft.frameNumber, 99, accuracy: 1)
        XCTAssertEqual(bLeft.frameNumber, 94, accuracy: 1)
        XCTAssertEqual(try XCTUnwrap(aLeft.data["dwell_time_seconds"]?.doubleValue), 7.9, accuracy: 0.15)
        XCTAssertEqual(try XCTUnwrap(bLeft.data["dwell_time_seconds"]?.doubleValue), 6.9, accuracy: 0.15)
        XCTAssertEqual(aEntered.data["dwell_time_seconds"], .null)

        // Ids never swap: every event of A's id has A's box (within a few pixels of the truth), and so for B.
        for event in run.tracking {
            let id = try XCTUnwrap(event.data["track_id"]?.intValue)
            let box = try XCTUnwrap(Box(json: try XCTUnwrap(event.data["bounding_box"])))
            let truth = id == aID ? a(event.frameNumber) : b(event.frameNumber)
            let centre = (box.center.x * Double(width), box.center.y * Double(height))
            XCTAssertLessThan(abs(centre.0 - truth.0) + abs(centre.1 - truth.1), 20,
                              "track \(id) at frame \(event.frameNumber) is at \(centre), its object at \(truth)")
            XCTAssertEqual(event.snapshotKind, "detection")
        }
        // Snapshots for entered and left only: the frame with the box drawn.
        XCTAssertTrue((entered + left).allSatisfy { $0.snapshot?.width == width })
        XCTAssertTrue(run.actions("updated").allSatisfy { $0.snapshot == nil })

        // A crosses the middle line going right (in), B going left (out): one each.
        let crossings = run.events.filter { $0.type == "line_crossing" }
        XCTAssertEqual(crossings.count, 2, "\(crossings.map(\.data))")
        let aCross = try XCTUnwrap(crossings.first { $0.data["track_id"]?.intValue == aID })
        XCTAssertEqual(aCross.data["direction"]?.stringValue, "in")
        XCTAssertEqual(aCross.data["line"]?.stringValue, "middle")
        let last = try XCTUnwrap(crossings.last)
        XCTAssertEqual(last.data["counts"]?["object"]?["in"]?.intValue, 1)
        XCTAssertEqual(last.data["counts"]?["object"]?["out"]?.intValue, 1)
    }

    /// A car drives in, parks for 10 minutes of video (5 frames/s, 160 × 120), and drives off.
    /// The background model would absorb it within a minute; it must keep one id throughout.
    func testAParkedObjectKeepsOneIDForTenMinutes() throws {
        let (width, height) = (160, 120), fps = 5.0
        let arrive = 20, park = 40, leave = park + 3000, gone = leave + 25
        func centre(_ f: Int) -> Double {
            if f < park { return -10 + 90 * Double(f - arrive) / Double(park - arrive) }   // 0 → 80
            if f < leave { return 80 }
            return 80 + 5 * Double(f - leave)
        }
        let video = try TrackingTestSupport.writeVideo("parked", width: width, height: height, fps: fps, frames: gone + 30) { f, px in
            Self.fill(&px, width: width, height: height)
            if f >= arrive && f < gone { Self.object(&px, width: width, height: height, cx: centre(f), cy: 70, w: 36, h: 20, colour: (30, 30, 200)) }
        }
        let run = try TrackingTestSupport.run(video, config: ["backend": "foreground", "class_name": "car"], fps: fps)
        let entered = run.actions("entered"), left = run.actions("left")
        XCTAssertEqual(entered.count, 1, "one car, one track: \(run.tracking.map { "\($0.frameNumber) \($0.data)" })")
        XCTAssertEqual(left.count, 1)
        XCTAssertEqual(entered.first?.data["track_id"], left.first?.data["track_id"])
        let dwell = try XCTUnwrap(left.first?.data["dwell_time_seconds"]?.doubleValue)
        XCTAssertGreaterThan(dwell, 600, "it stood for 10 minutes")
        XCTAssertEqual(try XCTUnwrap(left.first?.frameNumber), gone, accuracy: 8, "left when it drove out of the picture")
        XCTAssertLessThan(run.actions("updated").count, 40, "a parked car is updated every 30 s, not every frame")
    }
}
