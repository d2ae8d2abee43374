import Foundation
import XCTest

/// `vigil anpr-eval` as a user runs it: a child process loading the real libANPR.so.
final class ANPREvalTests: XCTestCase {
    var vigil: String { "\(ANPRTestSupport.buildDir)/vigil" }

    /// The committed evaluation config on the 227 labelled photos: a floor a little below the
    /// measured figure (see README, Performance), so a regression fails.
    func testAccuracyOnTheLabelledPlatesStaysAboveItsFloor() throws {
        let r = try ANPRTestSupport.run(vigil, ["anpr-eval", "../shared/data/plates", "--config", "Plugins/ANPR/eval-config.json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let last = try XCTUnwrap(r.stdout.split(separator: "\n").last.map(String.init))
        let fields = Dictionary(uniqueKeysWithValues: last.split(separator: " ").dropFirst().compactMap { pair -> (String, Double)? in
            let kv = pair.split(separator: "=")
            return kv.count == 2 ? (String(kv[0]), Double(kv[1]) ?? -1) : nil
        })
        XCTAssert(last.hasPrefix("anpr images="), last)
        XCTAssertEqual(fields["images"], 227)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(fields["accuracy"]), ANPREvalTests.accuracyFloor, last)
        XCTAssertEqual(r.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("ok  ") || $0.hasPrefix("MISS ") }.count, 227)
        for region in ["br", "eu", "us"] { XCTAssert(r.stdout.contains("region \(region) images="), "no \(region) line") }
    }

    /// Percent exact; the measured figure is in the README.
    static let accuracyFloor = 78.0

    func testBadRowsAndAnUnreadableImageAreReportedAndTheRestEvaluated() throws {
        let dir = ANPRTestSupport.tempDir()
        let plates = "\(ANPRTestSupport.data)/plates"
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/MTW5608.jpg", withDestinationPath: "\(plates)/MTW5608.jpg")
        try "not a picture".write(toFile: "\(dir)/broken.jpg", atomically: true, encoding: .utf8)
        try """
        file,plate_text
        MTW5608.jpg,mtw-5608
        broken.jpg,ABC1234
        lonely-field
        missing.jpg,XYZ9876
        ,EMPTY12

        """.write(toFile: "\(dir)/labels.csv", atomically: true, encoding: .utf8)
        let r = try ANPRTestSupport.run(vigil, ["anpr-eval", dir, "--config", "Plugins/ANPR/eval-config.json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssert(r.stderr.contains("labels.csv:4: expected file,plate_text"), r.stderr)
        XCTAssert(r.stderr.contains("labels.csv:6: expected file,plate_text"), r.stderr)
        XCTAssert(r.stderr.contains("broken.jpg: not a readable image"), r.stderr)
        XCTAssert(r.stderr.contains("missing.jpg: not a readable image"), r.stderr)
        XCTAssert(r.stdout.contains("ok   MTW5608.jpg label=MTW5608 read=MTW5608"), r.stdout)
        XCTAssert(r.stdout.contains("anpr images=1 exact=1 accuracy=100.0"), r.stdout)
    }

    func testMissingTessdataLanguageIsOneClearMessage() throws {
        let dir = ANPRTestSupport.tempDir()
        try #"{"tessdata_dir": "../shared/data/tessdata/openalpr", "language": "lxx"}"#
            .write(toFile: "\(dir)/config.json", atomically: true, encoding: .utf8)
        let r = try ANPRTestSupport.run(vigil, ["anpr-eval", "../shared/data/plates", "--config", "\(dir)/config.json"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssert(r.stderr.contains("tessdata folder ../shared/data/tessdata/openalpr has no lxx.traineddata"), r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "lxx.traineddata").count - 1, 1, "one message: \(r.stderr)")
    }
}
