import XCTest
import PluginAPI

/// Frame annotations, zones, counting lines and the snapshot location (PluginAPI 1.1).
final class AnnotationsTests: XCTestCase {
    func testTypedKeysRoundTripThroughJSON() throws {
        let notes = FrameAnnotations()
        notes.motion = MotionRegions(boxes: [Box(x: 0.1, y: 0.2, width: 0.3, height: 0.4)], calibrating: false)
        notes.objects = [DetectedObject(box: Box(x: 0.5, y: 0.5, width: 0.1, height: 0.1), className: "car", confidence: 0.9, trackID: 7)]
        try notes.set("acme.count", 3)
        XCTAssertEqual(notes.keys, ["motion.regions", "objects", "acme.count"])
        let copy = try FrameAnnotations(json: notes.json)
        XCTAssertEqual(copy.motion, notes.motion)
        XCTAssertEqual(copy.objects, notes.objects)
        XCTAssertEqual(copy["acme.count"], 3)
        XCTAssertTrue(copy.motion?.hasMotion ?? false)
        try copy.set("acme.count", nil)
        XCTAssertNil(copy["acme.count"])
    }

    func testTypedKeysOfTheWrongShapeThrowNamingTheKey() {
        let notes = FrameAnnotations()
        XCTAssertThrowsError(try notes.set("motion.regions", "moving")) {
            XCTAssertTrue("\($0)".hasPrefix("annotation \"motion.regions\": expected {\"boxes\""), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix("found a string"), "\($0)")
        }
        XCTAssertThrowsError(try notes.set("motion.regions", ["boxes": [["x": 1]]])) {
            XCTAssertTrue("\($0)".hasPrefix("annotation \"motion.regions\": boxes[0]: expected"), "\($0)")
        }
        XCTAssertThrowsError(try notes.set("motion.regions", ["boxes": [], "calibrating": "no"])) {
            XCTAssertEqual("\($0)", "annotation \"motion.regions\": calibrating: expected true or false, found a string")
        }
        XCTAssertThrowsError(try notes.set("objects", ["box": 1])) {
            XCTAssertEqual("\($0)", "annotation \"objects\": expected an array of objects, found an object")
        }
        XCTAssertThrowsError(try notes.set("", 1))
        XCTAssertNil(notes.motion)
        XCTAssertNil(notes.objects)
    }

    func testZoneContainsAndLineSides() {
        let zone = Zone(name: "door", polygon: [Point(x: 0.1, y: 0.1), Point(x: 0.5, y: 0.1), Point(x: 0.5, y: 0.5), Point(x: 0.1, y: 0.5)])
        XCTAssertTrue(zone.contains(Point(x: 0.3, y: 0.3)))
        XCTAssertFalse(zone.contains(Point(x: 0.6, y: 0.3)))
        let triangle = Zone(name: "t", polygon: [Point(x: 0, y: 0), Point(x: 1, y: 0), Point(x: 0, y: 1)])
        XCTAssertTrue(triangle.contains(Point(x: 0.2, y: 0.2)))
        XCTAssertFalse(triangle.contains(Point(x: 0.8, y: 0.8)))

        // A line drawn left to right across the middle: "left" of it is the upper half of the picture.
        let line = CountingLine(name: "gate", from: Point(x: 0.2, y: 0.5), to: Point(x: 0.8, y: 0.5), inSide: .left)
        XCTAssertEqual(line.side(of: Point(x: 0.5, y: 0.2)), .left)
        XCTAssertEqual(line.side(of: Point(x: 0.5, y: 0.9)), .right)
        XCTAssertNil(line.side(of: Point(x: 0.5, y: 0.5)))
        XCTAssertTrue(line.isCrossed(from: Point(x: 0.5, y: 0.4), to: Point(x: 0.5, y: 0.6)))
        XCTAssertFalse(line.isCrossed(from: Point(x: 0.9, y: 0.4), to: Point(x: 0.9, y: 0.6)), "beyond the segment's end")
    }

    func testBoxGeometry() {
        let a = Box(x: 0, y: 0, width: 0.5, height: 0.5), b = Box(x: 0.25, y: 0.25, width: 0.5, height: 0.5)
        XCTAssertEqual(a.iou(b), 0.0625 / 0.4375, accuracy: 1e-9)
        XCTAssertEqual(a.union(b), Box(x: 0, y: 0, width: 0.75, height: 0.75))
        let padded = Box(x: 0.9, y: 0.9, width: 0.2, height: 0.2).padded(by: 0.5)
        XCTAssertEqual(padded.x, 0.8, accuracy: 1e-9); XCTAssertEqual(padded.width, 0.2, accuracy: 1e-9)
        let px = Box(x: 0.25, y: 0.5, width: 0.5, height: 0.25).pixels(frameWidth: 640, frameHeight: 480)
        XCTAssertTrue(px == (160, 240, 320, 120), "\(px)")
        XCTAssertEqual(Box(json: a.json), a)
    }

    func testSnapshotPathMapsToAFileInsideTheFolder() {
        let location = SnapshotLocation(directory: "/var/lib/vigil/snapshots/")
        XCTAssertEqual(location.file(for: "snapshots/2024-10-11/camera-01/motion_12_1728649696.png"),
                       "/var/lib/vigil/snapshots/2024-10-11/camera-01/motion_12_1728649696.png")
        for bad in ["other/2024-10-11/x.png", "snapshots/../etc/passwd", "/snapshots/x.png", "snapshots", "snapshots//x.png"] {
            XCTAssertNil(location.file(for: bad), bad)
        }
    }
}
