/// What the legacy OCR confuses most on plates: letters with a straight left side (B, D, E) and the
/// digits (and O) of about the same outline with a rounded one (8, 0, 3). Measured on a segmented
/// character (dark ink on white), whatever its slant.
struct CharacterShape: Equatable {
    /// The share of the ink's rows whose first ink pixel from the left lies on one straight line (the
    /// least-squares line through every row's first ink, within 6 % of the ink's width): near 1 for an
    /// upright or slanted stroke, lower for a curve.
    var straightness: Double

    /// The shape of the ink in a gray image; nil when it holds too little ink to tell.
    init?(pixels: UnsafePointer<UInt8>, width: Int, height: Int, bytesPerRow: Int) {
        var rows: [(y: Double, x: Double)] = []
        var left = width, right = -1
        for y in 0..<height {
            let row = pixels + y * bytesPerRow
            guard let first = (0..<width).first(where: { row[$0] < 128 }) else { continue }
            let last = (first..<width).last { row[$0] < 128 }!
            rows.append((Double(y), Double(first)))
            left = min(left, first); right = max(right, last)
        }
        guard rows.count >= 12, right - left >= 3 else { return nil }
        let n = Double(rows.count)
        let sy = rows.reduce(0) { $0 + $1.y }, sx = rows.reduce(0) { $0 + $1.x }
        let syy = rows.reduce(0) { $0 + $1.y * $1.y }, sxy = rows.reduce(0) { $0 + $1.y * $1.x }
        let d = n * syy - sy * sy
        let slope = d != 0 ? (n * sxy - sy * sx) / d : 0, intercept = (sx - slope * sy) / n
        let tolerance = max(1.0, 0.06 * Double(right - left + 1))
        straightness = Double(rows.filter { abs($0.x - (intercept + slope * $0.y)) <= tolerance }.count) / n
    }

    /// Look-alike pairs: the letter with a straight left side, the digits (and O) with a rounded one, and
    /// the straightness above which it is the letter and below which it is the digit. Measured on the
    /// characters the OCR read with 75 %+ confidence on real plates (10th / 50th / 90th percentile):
    /// D 0.81 / 0.95 / 1.00, B 0.82 / 0.95 / 1.00, E 0.78 / 0.95 / 1.00; 0 0.30 / 0.63 / 0.88,
    /// O 0.39 / 0.83 / 0.90, 8 0.47 / 0.69 / 0.90, 3 0.00 / 0.05 / 0.14.
    private static let pairs: [(letter: UInt8, digits: [UInt8], letterAbove: Double, digitBelow: Double)] = [
        (UInt8(ascii: "D"), [UInt8(ascii: "0"), UInt8(ascii: "O")], 0.92, 0.55),
        (UInt8(ascii: "B"), [UInt8(ascii: "8")], 0.92, 0.55),
        (UInt8(ascii: "E"), [UInt8(ascii: "3")], 0.70, 0.30),
    ]

    /// The look-alike of `c` that this shape says it is instead; nil when `c` fits the shape or no pair holds it.
    func lookAlike(of c: UInt8) -> UInt8? {
        for pair in Self.pairs {
            if pair.digits.contains(c), straightness >= pair.letterAbove { return pair.letter }
            if c == pair.letter, straightness <= pair.digitBelow { return pair.digits[0] }
        }
        return nil
    }
}
