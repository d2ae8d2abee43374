import XCTest
@testable import ANPREngine

/// Which located rows are read, and how a character's left side settles look-alikes (pure logic).
final class RowsAndShapesTests: XCTestCase {
    typealias Row = RowFilter.Row

    func testRowsTouchingThePicturesEdgeAreNoPlate() {
        let rows = [Row(x: 11, y: 4, width: 21, height: 12, charHeight: 10),      // a timestamp in the corner
                    Row(x: 268, y: 297, width: 65, height: 23, charHeight: 17),   // the plate
                    Row(x: 600, y: 470, width: 40, height: 10, charHeight: 10)]   // cut off by the bottom edge
        XCTAssertEqual(RowFilter.plausible(rows, pictureWidth: 640, pictureHeight: 480), [1])
    }

    func testSmallPrintRightAboveOrBelowTallCharactersIsNoPlate() {
        let plate = Row(x: 445, y: 383, width: 301, height: 56, charHeight: 55)
        let rows = [Row(x: 587, y: 361, width: 77, height: 13, charHeight: 12),   // a state's name above it
                    plate,
                    Row(x: 500, y: 445, width: 128, height: 18, charHeight: 18),  // a dealer's name below it
                    Row(x: 100, y: 100, width: 60, height: 14, charHeight: 12),   // a small plate elsewhere
                    Row(x: 520, y: 330, width: 100, height: 30, charHeight: 32),  // text not much smaller
                    Row(x: 430, y: 370, width: 330, height: 80, charHeight: 0)]   // the plate's box, found by its edges
        XCTAssertEqual(RowFilter.plausible(rows, pictureWidth: 1000, pictureHeight: 800), [1, 3, 4, 5])
    }

    /// A 30×50 picture of dark ink drawn where `ink(x, y)` holds.
    func shape(_ ink: (Double, Double) -> Bool) -> CharacterShape? {
        let width = 30, height = 50
        var pixels = [UInt8](repeating: 255, count: width * height)
        for y in 0..<height { for x in 0..<width where ink(Double(x), Double(y)) { pixels[y * width + x] = 0 } }
        return pixels.withUnsafeBufferPointer { CharacterShape(pixels: $0.baseAddress!, width: width, height: height, bytesPerRow: width) }
    }

    /// A D: an upright stroke and a bowl, leaning right by `slant` pixels per row up.
    func letterD(slant: Double) -> CharacterShape? {
        shape { x, y in
            guard (5...44).contains(y) else { return false }
            let u = x - slant * (44 - y), dx = (u - 8) / 16, dy = (y - 24.5) / 19.5
            return (4...8).contains(u) || (u >= 8 && (0.55...1).contains(dx * dx + dy * dy))
        }
    }

    func testAStraightLeftSideMakesAZeroAD() throws {
        XCTAssertEqual(try XCTUnwrap(letterD(slant: 0)).lookAlike(of: UInt8(ascii: "0")), UInt8(ascii: "D"))
        XCTAssertEqual(try XCTUnwrap(letterD(slant: 0)).lookAlike(of: UInt8(ascii: "O")), UInt8(ascii: "D"))
        // a slanted plate's D too
        XCTAssertEqual(try XCTUnwrap(letterD(slant: 0.2)).lookAlike(of: UInt8(ascii: "0")), UInt8(ascii: "D"))
        XCTAssertNil(try XCTUnwrap(letterD(slant: 0)).lookAlike(of: UInt8(ascii: "D")))
    }

    func testARoundLeftSideMakesADAZero() throws {
        let ring = try XCTUnwrap(shape { x, y in
            let dx = (x - 15) / 12, dy = (y - 25) / 20
            return (0.6...1).contains(dx * dx + dy * dy)
        })
        XCTAssertLessThan(ring.straightness, 0.55)
        XCTAssertEqual(ring.lookAlike(of: UInt8(ascii: "D")), UInt8(ascii: "0"))
        XCTAssertNil(ring.lookAlike(of: UInt8(ascii: "0")))
        XCTAssertNil(ring.lookAlike(of: UInt8(ascii: "K")))
    }

    func testTooLittleInkTellsNothing() {
        XCTAssertNil(shape { x, y in (10...11).contains(x) && (20...25).contains(y) })
    }

    func testPreferringALookAlikePutsItFirstAndKeepsTheOCRsChoiceBelow() {
        var read = CharacterRead([("0", 90), ("O", 85)])
        read.prefer(UInt8(ascii: "D"))
        XCTAssertEqual(read, CharacterRead([("D", 90), ("0", 89), ("O", 85)]))
    }

    func testCaliforniaFormatResolvesALetterReadAsADigit() {
        // 6ZWF846 with its Z read as a 2 (a Z just below it): three letters follow the first digit
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        var reads = "62WF846".map { CharacterRead([($0, 90)]) }
        reads[1] = CharacterRead([("2", 91), ("Z", 89)])
        let best = resolver.readings(reads).first
        XCTAssertEqual(best?.text, "6ZWF846")
        XCTAssertEqual(best?.specific, true)
    }
}
