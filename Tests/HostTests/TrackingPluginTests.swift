import XCTest
@testable import VigilConfig
@testable import VigilPlugins
@testable import VigilPipeline
import Logging
import PluginAPI

/// The real libTracking.so through the host's loader and detector chain, behind the real
/// libMotion.so: skipped on still frames, tracks from Motion's regions, boxes left for the next
/// detector, entered and left events with detection snapshots.
final class TrackingPluginTests: XCTestCase {
    /// The next detector in the chain: records the `objects` it is given.
    final class ObjectsRecorder: Detector {
        var seen: [(frame: Int, objects: [DetectedObject])] = []
        func process(_ frame: Frame) throws -> [Event] {
            if let objects = frame.annotations.objects { seen.append((frame.number, objects)) }
            return []
        }
    }

    func detector(_ library: String, _ name: String, _ config: JSONValue) throws -> any Detector {
        let lib = try PluginLibrary.load(path: "\(TestSupport.buildDir)/\(library)", expecting: .detector)
        return try lib.descriptor.makeDetector(PluginContext(name: name, cameraID: "c", config: config, configPath: "detectors[1].config",
                                                             logger: PluginLogger { _, _, _ in }))
    }

    func testTrackingBehindMotionInTheHostChain() throws {
        let out = DetectorChainTests.Collector()
        let recorder = ObjectsRecorder()
        let chain = DetectorChain(links: [
            .init(name: "motion", detector: try detector("libMotion.so", "motion", ["snapshot": false])),
            .init(name: "tracking", detector: try detector("libTracking.so", "tracking", ["backend": "foreground", "motion_only": true, "heartbeat_seconds": 1])),
            .init(name: "recorder", detector: recorder),
        ], cameraID: "c", logger: TestLogs().logger, emit: out.add)
        // A white square moving right 8 px per frame from frame 40 until it leaves the picture.
        let source = try VisionSource(try VideoFixtures.movingSquare(frames: 120, startAt: 40))
        var frames = 0
        while let image = try source.read() {
            chain.process(Frame(cameraID: "c", number: frames, timestamp: Timestamp(secondsSince1970: 1_700_000_000 + Double(frames) / 10),
                                image: image, annotations: FrameAnnotations()))
            frames += 1
        }
        chain.finish()

        let tracking = chain.stats[1].counters
        XCTAssertEqual(tracking.calls + tracking.skipped, frames)
        XCTAssertGreaterThanOrEqual(tracking.skipped, 30, "still frames are given only once a second (heartbeat)")
        XCTAssertEqual(tracking.errors, 0)
        let events = out.events.filter { $0.type == "tracking" }
        let entered = events.filter { $0.data["tracking_action"]?.stringValue == "entered" }
        let left = events.filter { $0.data["tracking_action"]?.stringValue == "left" }
        XCTAssertEqual(entered.count, 1, "\(events.map(\.data))")
        XCTAssertEqual(left.count, 1)
        XCTAssertEqual(try XCTUnwrap(entered.first).frameNumber, 40, accuracy: 2)
        for e in entered + left {
            XCTAssertEqual(e.snapshotKind, "detection")
            XCTAssertEqual(e.snapshot?.width, 640, "the frame with the box drawn")
            XCTAssertEqual(e.data["model_info"]?["model_type"]?.stringValue, "foreground")
            XCTAssertEqual(e.data.objectValue?.map(\.key), ["track_id", "tracking_action", "class_name", "confidence", "bounding_box",
                                                            "dwell_time_seconds", "model_info", "zones"])
        }
        let box = try XCTUnwrap(Box(json: try XCTUnwrap(entered.first?.data["bounding_box"])))
        XCTAssertEqual(box.width, 80.0 / 640, accuracy: 0.03)
        XCTAssertEqual(box.height, 80.0 / 480, accuracy: 0.03)
        // The next detector gets the tracked box on the frames after confirmation.
        let withObjects = recorder.seen.filter { !$0.objects.isEmpty }
        XCTAssertGreaterThan(withObjects.count, 10)
        XCTAssertTrue(withObjects.allSatisfy { $0.objects.first?.trackID == entered.first?.data["track_id"]?.intValue })
    }
}
