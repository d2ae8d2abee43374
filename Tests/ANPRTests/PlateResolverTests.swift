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

    func testAOneWhereTheFormatWantsAnIKeepsTheFormatsBonus() throws {
        // plate fonts draw I and 1 alike: a Slovak RK708AI read RK708A1 is the Slovak plate, not a generic one
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")! + PlateFormat.builtIn("eu")!)
        let best = try XCTUnwrap(resolver.readings(read("RK708A1")).first)
        XCTAssertEqual(best.text, "RK708AI")
        XCTAssertTrue(best.specific)
        XCTAssertTrue(Confusion.sameGlyph(UInt8(ascii: "O"), UInt8(ascii: "0")))
        XCTAssertFalse(Confusion.sameGlyph(UInt8(ascii: "B"), UInt8(ascii: "8")))
    }

    func testALookAlikeTwinComesBeforeALesserAlternative() throws {
        // the last letter read 1 (69), O (65): where the Slovak format wants a letter, the 1 is the I it draws alike
        let resolver = PlateResolver(formats: PlateFormat.builtIn("eu")!)
        var reads = read("RK708A")
        reads.append(CharacterRead([("1", 69), ("O", 65), ("D", 64)]))
        let best = try XCTUnwrap(resolver.readings(reads).first)
        XCTAssertEqual(best.text, "RK708AI")
        XCTAssertEqual(best.picked.last, 69)
    }

    func testATwinSwapCostsNoConfidence() throws {
        // a Brazilian plate MXQ1601 whose last 1 reads I 74, 1 66 beats the Slovak MX016OI it also fits
        let resolver = PlateResolver(formats: PlateFormat.builtIn("eu")! + PlateFormat.builtIn("br")!)
        var reads = [CharacterRead([("M", 92)]), CharacterRead([("X", 90)]), CharacterRead([("Q", 87), ("O", 86), ("0", 84)]),
                     CharacterRead([("1", 82), ("I", 82)]), CharacterRead([("6", 88)]), CharacterRead([("O", 92), ("0", 91)])]
        reads.append(CharacterRead([("I", 74), ("1", 66)]))
        let best = try XCTUnwrap(resolver.readings(reads).first)
        XCTAssertEqual(best.text, "MXQ1601")
        XCTAssertEqual(best.region, "br")
    }

    func testAWeakLastCharacterIsKeptOverARareFiveCharacterPlate() {
        // PH5M9Y read at 70 %, its Y at 47 %: without the Y the plate would have five characters, which few have
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        var reads = read("PH5M9", confidence: 70)
        reads.append(CharacterRead([("Y", 47)]))
        XCTAssertEqual(resolver.readings(reads).first?.text, "PH5M9Y")
        // a 5-character plate read surely stays one
        XCTAssertEqual(resolver.readings(read("853FL")).first?.text, "853FL")
    }

    func testAPieceReadFarWorseThanTheRestAtAnEndIsNoCharacter() {
        // an emblem left of the vanity plate KCS1M, read S at 45 %: it makes no 6-character plate
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        var reads = read("KCS1M")
        reads.insert(CharacterRead([("S", 45)]), at: 0)
        XCTAssertEqual(resolver.readings(reads).first?.text, "KCS1M")
        // a national format's end character is kept however weakly read: the format fitting says it belongs
        var california = read("7AHN73")
        california.append(CharacterRead([("9", 45)]))
        XCTAssertEqual(resolver.readings(california).first?.text, "7AHN739")
    }

    func testALetterBarelyReadBacksTheLetterAnotherSegmentationReadWell() {
        // 0SG719: three binarisations read the G as a D at 45 % (no G among their alternatives), one as a G at 82 %
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        var weak = read("0S"), sure = read("0S")
        weak.append(CharacterRead([("D", 45), ("B", 40)]))
        sure.append(CharacterRead([("G", 82), ("6", 74)]))
        weak += read("719"); sure += read("719")
        let votes = resolver.combine([resolver.readings(weak), resolver.readings(weak), resolver.readings(weak), resolver.readings(sure)])
        XCTAssertEqual(votes.first?.text, "0SG719")
        // read surely, the D would have stood against it
        var firm = weak
        firm[2] = CharacterRead([("D", 80), ("B", 70)])
        XCTAssertEqual(resolver.combine([resolver.readings(firm), resolver.readings(firm), resolver.readings(firm), resolver.readings(sure)])
            .first?.text, "0SD719")
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

    func testAnAlternativeWellBelowTheLetterReadBacksNoOtherText() {
        // three segmentations read Y (V 10 points below it), one reads V with no Y offered: Y is read
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        var y = read("YD6L3C")
        y[0] = CharacterRead([("Y", 90), ("V", 80)])
        var v = read("VD6L3C", confidence: 92)
        v[0] = CharacterRead([("V", 93)])
        let ys = resolver.readings(y)
        XCTAssertEqual(resolver.combine([ys, ys, ys, resolver.readings(v)]).first?.text, "YD6L3C")
    }

    func testCzechFormatsTakeARegionDigitFirstAndResolveLettersByPosition() throws {
        let resolver = PlateResolver(formats: PlateFormat.builtIn("eu")!)
        // 1AB2545 with its fifth character read S, a 5 just below it
        var reads = read("1AB2S45")
        reads[4] = CharacterRead([("S", 91), ("5", 89)])
        let czech = try XCTUnwrap(resolver.readings(reads).first)
        XCTAssertEqual(czech.text, "1AB2545")
        XCTAssertEqual(czech.region, "eu")
        XCTAssertTrue(czech.specific)
        // no Czech region is numbered 0: after a 0 the same characters fit only a generic format
        reads[0] = CharacterRead([("0", 90)])
        let generic = try XCTUnwrap(resolver.readings(reads).first)
        XCTAssertEqual(generic.text, "0AB2S45")
        XCTAssertFalse(generic.specific)
    }

    func testUSReadsOAsZeroUnlessAlmostAsLikelyAD() {
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        var reads = read("ABC123")
        reads[2] = CharacterRead([("O", 90), ("D", 89), ("0", 88)])
        XCTAssertEqual(resolver.readings(reads).first?.text, "ABD123")
        reads[2] = CharacterRead([("O", 90), ("D", 80), ("0", 88)])
        XCTAssertEqual(resolver.readings(reads).first?.text, "AB0123")
    }

    func testEverySegmentationBacksATextItsOCRAlternativesAllow() throws {
        // three binarisations read one character three ways: O (a US zero), Q with O just below it, O again
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        var a = read("6MDU097"), b = read("6MDU097")
        a[4] = CharacterRead([("O", 95), ("0", 94)])
        b[4] = CharacterRead([("Q", 95.7), ("O", 95.1)])
        let best = try XCTUnwrap(resolver.combine([resolver.readings(a), resolver.readings(b), resolver.readings(a)]).first)
        XCTAssertEqual(best.text, "6MDU097")
        // backed by all three, so as confident as its characters
        XCTAssertGreaterThan(best.confidence, 0.85)
    }

    func testASegmentationNeverOfferingALetterDoesNotBackIt() throws {
        let resolver = PlateResolver(formats: PlateFormat.builtIn("us")!)
        let a = read("HB8X9J"), b = read("HB3X9J", confidence: 95)
        let votes = resolver.combine([resolver.readings(a), resolver.readings(a), resolver.readings(b)])
        XCTAssertEqual(votes.first?.text, "HB8X9J")
        let lone = try XCTUnwrap(votes.first { $0.text == "HB3X9J" })
        XCTAssertLessThan(lone.confidence, 0.5, "read by one segmentation of three")
    }
}
