/// Rows of character-like blobs that cannot be a plate's characters, whatever they read:
/// - text touching the picture's edge: a camera's timestamp overlay, or a plate cut off (a vehicle
///   is read on the frames where its whole plate is in view);
/// - small text just above or below much taller characters: the state's name, a slogan or a dealer's
///   name on the plate or its frame.
enum RowFilter {
    /// Where the locator found a row: its blobs' bounding box and their median height, in pixels (0 for
    /// a whole plate's box, found by its edges: it is never small print and makes none).
    struct Row: Equatable {
        var x, y, width, height: Double
        var charHeight: Double
    }

    /// Characters closer to the picture's edge than this many character heights have no plate around them.
    static let edgeMargin = 0.5
    /// Taller characters at least this many times as tall as a row's make it the plate's small print…
    static let printRatio = 1.8
    /// …when the row lies within this many of their heights above or below them, and beside them.
    static let printReach = 1.0

    /// The indices of `rows` that may be a plate, in their order.
    static func plausible(_ rows: [Row], pictureWidth: Double, pictureHeight: Double) -> [Int] {
        rows.indices.filter { i in
            let r = rows[i], margin = edgeMargin * r.charHeight
            if r.x < margin || r.y < margin || r.x + r.width > pictureWidth - margin || r.y + r.height > pictureHeight - margin {
                return false
            }
            return !rows.contains { isSmallPrint(r, beside: $0) }
        }
    }

    /// True when `small` is the small print of the plate whose characters are `big`.
    static func isSmallPrint(_ small: Row, beside big: Row) -> Bool {
        guard small.charHeight > 0, big.charHeight >= printRatio * small.charHeight else { return false }
        let reach = printReach * big.charHeight
        let centre = small.x + small.width / 2
        guard centre >= big.x - reach, centre <= big.x + big.width + reach else { return false }
        let middle = small.y + small.height / 2
        return middle >= big.y - reach && middle <= big.y + big.height + reach
    }
}
