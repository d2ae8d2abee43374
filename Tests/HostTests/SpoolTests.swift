import Foundation
import PluginAPI
@testable import VigilRouter
import XCTest

/// Spool files that cannot be fully read, appends that fail half-way, and the event_data size limit.
final class SpoolTests: XCTestCase {
    /// A spool line as vigil writes it.
    func line(_ camera: String, _ frame: Int, data: String = #"{"n": 1}"#) -> String {
        #"{"type": "motion", "camera_id": "\#(camera)", "frame_number": \#(frame), "timestamp_us": 1728649696789000, "snapshot_path": null, "event_data": \#(data)}"#
    }

    func testBadSpoolLinesAreQuarantinedAndTheRestIsReplayed() throws {
        let spool = TestSupport.tempDir("spool-bad")
        let camera = "quar-\(UUID().uuidString.prefix(6))"
        let huge = #"{"blob": ""# + String(repeating: "x", count: 5 << 20) + #""}"#   // over the line limit
        let text = [line(camera, 0), "not json{", line(camera, 2, data: huge), line(camera, 3), #"{"type": "motion"}"#, line(camera, 5)]
            .joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: "\(spool)/spool-0000000000000001.jsonl", contents: Data(text.utf8))
        let logs = TestLogs()
        let f = try RouterFixture(spool: spool, logger: logs.logger)
        f.router.start()
        f.router.submit(f.event(camera, 10))
        RouterFixture.wait("good spooled events and the live one saved") { (try? f.rows(cameraPrefix: camera).count) == 4 }
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), [0, 3, 5, 10], "good lines replayed in order, then the live event")
        let files = try FileManager.default.contentsOfDirectory(atPath: spool)
        XCTAssertFalse(files.contains("spool-0000000000000001.jsonl"), "the replayed file is deleted: \(files)")
        let quarantine = try XCTUnwrap(files.first { $0.hasPrefix("quarantine") }, "bad lines kept in a quarantine file: \(files)")
        let kept = try String(contentsOfFile: "\(spool)/\(quarantine)", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(kept.count, 3, "the three bad lines, whole")
        XCTAssertEqual(kept.first, "not json{")
        XCTAssertEqual(kept.dropFirst().first?.utf8.count, line(camera, 2, data: huge).utf8.count)
        XCTAssertEqual(kept.last, #"{"type": "motion"}"#)
        XCTAssertTrue(logs.lines.contains { $0.hasPrefix("error Spool lines quarantined") && $0.contains("lines=3") }, "\(logs.lines)")
    }

    func testAnUnreadableSpoolFileIsSetAsideAndDoesNotBlockTheRouter() throws {
        let spool = TestSupport.tempDir("spool-unreadable")
        let camera = "unread-\(UUID().uuidString.prefix(6))"
        // A folder where a spool file should be: it opens, but reading it fails (EISDIR).
        try FileManager.default.createDirectory(atPath: "\(spool)/spool-0000000000000000.jsonl", withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: "\(spool)/spool-0000000000000001.jsonl", contents: Data((line(camera, 0) + "\n").utf8))
        let logs = TestLogs()
        let f = try RouterFixture(spool: spool, logger: logs.logger)
        f.router.start()
        for i in 1...3 { f.router.submit(f.event(camera, i)) }
        RouterFixture.wait("spooled and live events saved") { (try? f.rows(cameraPrefix: camera).count) == 4 }
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), [0, 1, 2, 3])
        let files = try FileManager.default.contentsOfDirectory(atPath: spool).sorted()
        XCTAssertTrue(files.contains { $0.hasPrefix("quarantine") && $0.contains("spool-0000000000000000") }, "set aside, not deleted: \(files)")
        XCTAssertFalse(files.contains { $0.hasPrefix("spool-") }, "\(files)")
        XCTAssertTrue(logs.lines.contains { $0.hasPrefix("error Spool file unreadable") }, "\(logs.lines)")
    }

    func testAFailedAppendIsRetriedWithoutAPartialLine() throws {
        let disk = try SmallDisk(size: "1m")
        defer { disk.unmount() }
        let f0 = try RouterFixture()
        let spool = try Spool(directory: disk.path)
        let camera = "partial-\(UUID().uuidString.prefix(6))"
        let data: JSONValue = ["pad": .string(String(repeating: "p", count: 150))]
        try spool.append((0..<10).map { f0.event(camera, $0, data: data) })
        disk.fill(leaving: 8192)
        let batch = (10..<400).map { f0.event(camera, $0, data: data) }   // about 100 KB: fails part-way
        XCTAssertThrowsError(try spool.append(batch))
        disk.empty()
        try spool.append(batch)
        spool.seal()
        let file = try XCTUnwrap(spool.pendingFiles().first)
        let read = try spool.read(file: file, from: 0, max: 10_000)
        XCTAssertEqual(read.events.map(\.frameNumber), Array(0..<400), "each event once, no garbled line")
        XCTAssertEqual(read.bad, [], "no partial line")
        let size = try FileManager.default.attributesOfItem(atPath: "\(disk.path)/\(file)")[.size] as? Int
        XCTAssertEqual(read.end, size, "every byte of the file is whole lines")
    }

    func testEventDataOverTheLimitIsRefusedAtSubmit() throws {
        let logs = TestLogs()
        let f = try RouterFixture(logger: logs.logger)
        let camera = "big-\(UUID().uuidString.prefix(6))"
        let big: JSONValue = ["blob": .string(String(repeating: "b", count: 1 << 20))]
        f.router.start()
        XCTAssertFalse(f.router.submit(f.event(camera, 1, data: big)), "over 1 MiB of event_data")
        XCTAssertTrue(f.router.submit(f.event(camera, 2, data: ["blob": .string(String(repeating: "b", count: 1000))])))
        f.router.shutdown()
        XCTAssertEqual(try f.rows(cameraPrefix: camera).map(\.frame), [2])
        XCTAssertTrue(logs.lines.contains { $0.hasPrefix("error Event rejected") && $0.contains("event_data") && $0.contains("1048576") },
                      "\(logs.lines)")
    }
}
