import XCTest
@testable import ANPREngine

/// Formats resolve look-alike characters by position and reject what fits none (pure logic).
final class PlateResolverTests: XCTestCase {
    func read(_ text: String, confidence: Double = 90) -> [CharacterRead] {
        text.map { CharacterRead([($0, confidence)]) }
    }

    func testBrazilianFormatResolvesZeroAndOhByPosition() {
        let resolver = PlateResolver(formats: PlateFormat.builtIn("br")!)
        XCTAssertEqual(resolver.readings(read("0KS0O78")).first?.text, "OKS0078")
    }

    func testSlovakFormatResolvesEightAndBeeThroughTheOCRsAlternatives() {
        let resolver = PlateResolver(formats: PlateFormat.builtIn("eu")!)
        var reads = read("BB1358")
        reads[5] = CharacterRead([("8", 91), ("B", 88)])
        reads.append(CharacterRead([("0", 92), ("O", 90)]))
        XCTAssertEqual(resolver.readings(reads).first?.text, "BB135BO")
        XCTAssertEqual(resolver.readings(reads).first?.region, "eu")
    }

    func testAFormatNeedingALookAlikeSwapEarnsNoBonus() {
        // a US plate 5AEA911 is no Czech DLLDDDD plate 5AE4911: no OCR alternative was a 4
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")! + PlateFormat.builtIn("eu")!)
        XCTAssertEqual(resolver.readings(read("5AEA911")).first?.text, "5AEA911")
    }

    func testLowConfidenceSeparatorIsDropped() {
        let resolver = PlateResolver(formats: PlateFormat.builtIn("br")!)
        var reads = read("ABC1234")
        reads.insert(CharacterRead([("I", 55)]), at: 3)
        XCTAssertEqual(resolver.readings(reads).first?.text, "ABC1234")
    }

    func testJunkThatFitsNoFormatIsRejected() {
        let resolver = PlateResolver(formats: PlateFormat.builtIn("br")! + PlateFormat.builtIn("gb")!)
        XCTAssertEqual(resolver.readings(read("12")), [])
        XCTAssertEqual(resolver.combine([resolver.readings(read("ABCDEFGHIJKL"))]), [])
    }

    func testUserPatternPicksTheAlternativeItAccepts() throws {
        let resolver = PlateResolver(formats: [try PlateFormat.custom("[A-Z]{2}[0-9]{4}")])
        var reads = read("AB12")
        reads.append(CharacterRead([("S", 85), ("5", 80)]))
        reads.append(CharacterRead([("7", 90)]))
        let best = try XCTUnwrap(resolver.readings(reads).first)
        XCTAssertEqual(best.text, "AB1257")
        XCTAssertEqual(best.region, "custom")
    }

    func testVotesAcrossSegmentationsPreferTheTextReadInMost() {
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        let a = resolver.readings(read("HB8X9J")), b = resolver.readings(read("HB8X9J")), c = resolver.readings(read("HBBX9J", confidence: 95))
        XCTAssertEqual(resolver.combine([a, b, c]).first?.text, "HB8X9J")
    }
}
