import Foundation
import VigilVision
import XCTest

/// The locator's second pass on a real photo whose plate characters join the frame (no row of separate
/// character blobs in the locator's binarisations): the plate is found as a plate box and read.
final class PlateBoxLocateTests: XCTestCase {
    /// From the labelled set: plate CWM3083, its characters joined to the frame in the locator's binarisations.
    let file = "wts-lg-000135.jpg"
    /// Its labelled plate box (boxes.csv): x, y, width, height.
    let plate = (x: 477, y: 422, width: 134, height: 67)

    func testPlateWhoseCharactersJoinTheFrameIsLocatedAsAPlateBox() throws {
        let found = try candidates(file, max: 3)
        let boxes = found.filter { $0.char_height == 0 }
        XCTAssert(boxes.contains { overlap($0) > 0.5 }, "no plate box on the plate among \(found)")
    }

    func testThatPlateIsReadExactly() throws {
        let dir = ANPRTestSupport.tempDir()
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(file)", withDestinationPath: "\(ANPRTestSupport.data)/plates/\(file)")
        try "file,plate_text\n\(file),CWM3083\n".write(toFile: "\(dir)/labels.csv", atomically: true, encoding: .utf8)
        let r = try ANPRTestSupport.run("\(ANPRTestSupport.buildDir)/vigil", ["anpr-eval", dir, "--config", "Plugins/ANPR/eval-config.json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssert(r.stdout.contains("ok   \(file) label=CWM3083 read=CWM3083"), r.stdout)
    }

    /// From the labelled set: 5ZUC921, whose characters stand on the plate frame's dark bar and join it in the
    /// locator's first binarisations: found as a row once thin vertical joins are broken and long bars erased.
    func testCharactersStandingOnAFramesBarAreFoundAsARow() throws {
        let bar = (x: 512, y: 362, width: 107, height: 53)
        let found = try candidates("wts-lg-000077.jpg", max: 10)
        XCTAssertFalse(found.filter { $0.char_height > 0 && overlap($0, bar) > 0.5 }.isEmpty, "no row of characters on the plate among \(found)")
    }

    /// The locator's candidates (at most `max`) on a photo of the labelled set.
    private func candidates(_ name: String, max: Int) throws -> [vv_plate_candidate] {
        var err = [CChar](repeating: 0, count: 256)
        let frame = try XCTUnwrap(vv_image_read("\(ANPRTestSupport.data)/plates/\(name)", &err, err.count), String(cString: err))
        defer { vv_frame_release(frame) }
        var config = vv_plate_locate_config()
        vv_plate_locate_config_default(&config)
        config.max_candidates = Int32(max)
        var found = [vv_plate_candidate](repeating: vv_plate_candidate(), count: max)
        let n = vv_plate_locate(vv_frame_data(frame), vv_frame_width(frame), vv_frame_height(frame), vv_frame_stride(frame), 3,
                                nil, 0, &config, &found, Int32(found.count), &err, err.count)
        XCTAssertGreaterThan(n, 0, String(cString: err))
        return Array(found.prefix(Int(Swift.max(n, 0))))
    }

    /// The share of the smaller of a candidate's box and the labelled plate box they have in common.
    private func overlap(_ c: vv_plate_candidate) -> Double { overlap(c, plate) }

    private func overlap(_ c: vv_plate_candidate, _ plate: (x: Int, y: Int, width: Int, height: Int)) -> Double {
        let w = min(Int(c.x + c.width), plate.x + plate.width) - max(Int(c.x), plate.x)
        let h = min(Int(c.y + c.height), plate.y + plate.height) - max(Int(c.y), plate.y)
        guard w > 0, h > 0 else { return 0 }
        return Double(w * h) / Double(min(Int(c.width * c.height), plate.width * plate.height))
    }
}
