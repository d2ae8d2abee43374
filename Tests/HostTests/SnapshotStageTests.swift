import Foundation
import Logging
import PluginAPI
@testable import VigilPipeline
@testable import VigilRouter
import XCTest

/// Issue 17: the snapshot queue is bounded in bytes (skipped snapshots counted, events still
/// passed on, in order), and no snapshot file replaces another. Real PNG writes (OpenCV).
final class SnapshotStageTests: XCTestCase {
    final class Received: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [NewEvent] = []
        func add(_ e: NewEvent) { lock.lock(); events.append(e); lock.unlock() }
        var all: [NewEvent] { lock.lock(); defer { lock.unlock() }; return events }
    }

    let logger: Logger = { var l = Logger(label: "snapshots-test"); l.logLevel = .critical; return l }()

    func image(_ width: Int, _ height: Int, _ value: UInt8) -> Image {
        Image(copying: [UInt8](repeating: value, count: width * height * 3), width: width, height: height, format: .bgr8)
    }

    func event(_ frame: Int, _ image: Image?, kind: String = "detection", type: String = "tracking") -> Event {
        Event(type: type, cameraID: "cam", frameNumber: frame, timestamp: Timestamp(secondsSince1970: 1_728_649_696.5),
              data: ["f": .int(frame)], snapshot: image, snapshotKind: kind)
    }

    func testSameKindOnTheSameFrameNeverReplacesAFile() throws {
        let root = TestSupport.tempDir("snapshot-names") + "/snapshots"
        let received = Received()
        let stage = SnapshotStage(cameraID: "cam", enabled: true, root: root, maxQueuedBytes: 1 << 30, logger: logger,
                                  deliver: { received.add($0) })
        let shared = image(64, 48, 200)
        // A file already there from before (another run, say) is not replaced either.
        let existing = "\(root)/2024-10-11/cam/detection_5_1728649696.png"
        try FileManager.default.createDirectory(atPath: (existing as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: existing, contents: Data("old".utf8))
        stage.submit([event(5, image(64, 48, 10)), event(5, image(64, 48, 250)), event(5, shared), event(5, shared),
                      event(5, shared, kind: "motion", type: "motion")])
        stage.close()

        let paths = received.all.map(\.snapshotPath)
        XCTAssertEqual(paths, ["snapshots/2024-10-11/cam/detection_5_1728649696_2.png",
                               "snapshots/2024-10-11/cam/detection_5_1728649696_3.png",
                               "snapshots/2024-10-11/cam/detection_5_1728649696_4.png",
                               "snapshots/2024-10-11/cam/detection_5_1728649696_4.png",
                               "snapshots/2024-10-11/cam/motion_5_1728649696.png"],
                       "different images get their own files; one image on several events of a frame is written once")
        XCTAssertEqual(try String(contentsOfFile: existing, encoding: .utf8), "old")
        let parent = (root as NSString).deletingLastPathComponent
        let contents = Set(try paths.prefix(3).map { try Data(contentsOf: URL(fileURLWithPath: "\(parent)/\($0!)")) })
        XCTAssertEqual(contents.count, 3, "three different PNGs")
        XCTAssertEqual(stage.counters, .init(written: 4, skipped: 0, failed: 0))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(root)/2024-10-11/cam").filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporary files left")
    }

    func testOverTheByteBoundSnapshotsAreSkippedAndEventsStillPassed() throws {
        let root = TestSupport.tempDir("snapshot-bound") + "/snapshots"
        let received = Received()
        // Room for one 2000×2000 frame (12 MB) at a time: encoding one takes far longer than queuing eight.
        let frameBytes = 2000 * 2000 * 3
        let stage = SnapshotStage(cameraID: "cam", enabled: true, root: root, maxQueuedBytes: frameBytes + 1000, logger: logger,
                                  deliver: { received.add($0) })
        let events = (0..<8).map { event($0, image(2000, 2000, UInt8(30 * $0))) } + [event(8, nil)]
        stage.submit(events)
        XCTAssertLessThanOrEqual(stage.queuedBytes, frameBytes + 1000)
        stage.close()

        let out = received.all
        XCTAssertEqual(out.map(\.frameNumber), Array(0...8), "every event passed on, in order")
        let counters = stage.counters
        XCTAssertGreaterThanOrEqual(counters.skipped, 1)
        XCTAssertEqual(counters.written + counters.skipped, 8)
        XCTAssertEqual(out.filter { $0.snapshotPath != nil }.count, counters.written)
        XCTAssertNotNil(out[0].snapshotPath, "the first fits")
        XCTAssertEqual(stage.queuedBytes, 0, "everything released")
    }

    func testBudgetCountsAnImageOnce() {
        let budget = SnapshotBudget(limit: 100)
        let a = image(4, 4, 1), b = image(4, 4, 2), c = image(4, 4, 3)  // 48 bytes each
        XCTAssertTrue(budget.reserve(a))
        XCTAssertTrue(budget.reserve(a), "the same image again costs nothing")
        XCTAssertTrue(budget.reserve(b))
        XCTAssertFalse(budget.reserve(c), "144 > 100")
        XCTAssertEqual(budget.bytesHeld, 96)
        budget.release(a)
        XCTAssertEqual(budget.bytesHeld, 96, "a is still queued once")
        budget.release(a)
        XCTAssertTrue(budget.reserve(c))
        XCTAssertEqual(budget.bytesHeld, 96)
    }
}
