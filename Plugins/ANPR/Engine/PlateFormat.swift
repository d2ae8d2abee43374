/// A plate format: fixed letter/digit positions (`LLDDDLL`), or a user's regular expression.
struct PlateFormat {
    /// What one position accepts.
    enum Slot: Equatable { case letter, digit, nonZeroDigit, any }

    /// The region reported when a read matches: "us", "eu", "br", "mercosur", "gb" or "custom".
    let region: String
    /// The positions (empty for a regular expression).
    let slots: [Slot]
    /// A user's pattern, matched against the whole plate.
    let regex: Regex<AnyRegexOutput>?
    /// True for a specific national format (a match says more than "some letters and digits").
    let specific: Bool
    /// US plates rarely use the letter O: read it as zero.
    let zeroForO: Bool

    /// The built-in formats of `region`; nil for an unknown region.
    static func builtIn(_ region: String) -> [PlateFormat]? {
        func fixed(_ pattern: String) -> PlateFormat {
            PlateFormat(region: region, slots: pattern.map { $0 == "L" ? .letter : $0 == "D" ? .digit : $0 == "N" ? .nonZeroDigit : .any },
                        regex: nil, specific: true, zeroForO: false)
        }
        func generic(_ lengths: ClosedRange<Int>, zeroForO: Bool) -> [PlateFormat] {
            lengths.map { PlateFormat(region: region, slots: Array(repeating: .any, count: $0), regex: nil, specific: false, zeroForO: zeroForO) }
        }
        switch region {
        // California's 1ABC234 (a digit 1–9, three letters, three digits) and the ABC1234 of many states
        // (New York, Texas, Pennsylvania, Ohio, Georgia…); vanity and older plates fall to the generic ones.
        case "us": return ["NLLLDDD", "LLLDDDD"].map(fixed) + generic(5...7, zeroForO: true)
        // Slovakia, Czechia (two forms, a region digit 1–9 first); other national formats fall to the generic ones.
        case "eu": return ["LLDDDLL", "NLDDDDD", "NLLDDDD"].map(fixed) + generic(5...8, zeroForO: false)
        // Brazil's classic plates; "mercosur" is the format of Brazil's Mercosur plates (since 2018).
        case "br": return ["LLLDDDD"].map(fixed)
        case "mercosur": return ["LLLDLDD"].map(fixed)
        // Great Britain since 2001.
        case "gb": return ["LLDDLLL"].map(fixed)
        default: return nil
        }
    }

    /// A format from a user's regular expression (whole-plate match, uppercase, no spaces).
    static func custom(_ pattern: String) throws -> PlateFormat {
        PlateFormat(region: "custom", slots: [], regex: try Regex(pattern), specific: true, zeroForO: false)
    }

    /// True when the plate text matches the user's pattern.
    func matches(_ text: String) -> Bool {
        guard let regex else { return false }
        return (try? regex.wholeMatch(in: text)) != nil
    }
}

/// Look-alike characters: what a letter read where a digit must be probably was, and back.
enum Confusion {
    static func digit(for c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "O"), UInt8(ascii: "D"), UInt8(ascii: "Q"), UInt8(ascii: "U"): return UInt8(ascii: "0")
        case UInt8(ascii: "I"), UInt8(ascii: "L"), UInt8(ascii: "J"): return UInt8(ascii: "1")
        case UInt8(ascii: "Z"): return UInt8(ascii: "2")
        case UInt8(ascii: "S"): return UInt8(ascii: "5")
        case UInt8(ascii: "B"): return UInt8(ascii: "8")
        case UInt8(ascii: "G"): return UInt8(ascii: "6")
        case UInt8(ascii: "A"): return UInt8(ascii: "4")
        case UInt8(ascii: "T"): return UInt8(ascii: "7")
        default: return nil
        }
    }

    /// True for the pairs plate fonts draw alike (I and 1, O and 0): the OCR cannot tell them, the format must.
    static func sameGlyph(_ a: UInt8, _ b: UInt8) -> Bool { a != b && twin(of: a) == b }

    /// The other character of a pair plate fonts draw alike (I and 1, O and 0).
    static func twin(of c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "I"): return UInt8(ascii: "1")
        case UInt8(ascii: "1"): return UInt8(ascii: "I")
        case UInt8(ascii: "O"): return UInt8(ascii: "0")
        case UInt8(ascii: "0"): return UInt8(ascii: "O")
        default: return nil
        }
    }

    static func letter(for c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0"): return UInt8(ascii: "O")
        case UInt8(ascii: "1"): return UInt8(ascii: "I")
        case UInt8(ascii: "2"): return UInt8(ascii: "Z")
        case UInt8(ascii: "5"): return UInt8(ascii: "S")
        case UInt8(ascii: "8"): return UInt8(ascii: "B")
        case UInt8(ascii: "6"): return UInt8(ascii: "G")
        case UInt8(ascii: "4"): return UInt8(ascii: "A")
        case UInt8(ascii: "7"): return UInt8(ascii: "T")
        default: return nil
        }
    }
}
