/// Turns the OCR's character reads into plate texts that fit the configured formats: resolves
/// look-alikes (O/0, I/1, B/8…) by position, drops separators and frame pieces the OCR read with low
/// confidence, rejects what fits no format, and votes across the segmentations of one plate.
struct PlateResolver {
    /// One way to read a plate.
    struct Reading: Equatable {
        /// The plate, uppercase letters and digits.
        var text: String
        /// Sum over its characters of (confidence − `keepAbove`), plus a bonus for a specific format.
        var score: Double
        /// Mean character confidence, 0–100.
        var confidence: Double
        /// The matching format's region.
        var region: String
        /// True when a specific national format (or a user's pattern) matched, not a generic one.
        var specific = false
        /// The characters read, one per letter of `text`, and the confidence each letter was picked with.
        var characters: [CharacterRead] = []
        var picked: [Double] = []
    }

    /// A plate text after voting: confidence 0–1.
    struct Candidate: Equatable {
        var text: String
        var confidence: Double
        var region: String
        var score: Double
        var specific = false

        /// How plate-like the text is, to choose among the rows of one picture: its confidence, more for
        /// a specific format, less without any digit (dealer names, slogans).
        var rank: Double { confidence + (specific ? 0.1 : 0) - (PlateResolver.hasNumber(text.utf8) ? 0 : 0.15) }
    }

    /// True when the text (its ASCII bytes) holds a digit 2–9: a plate's number. Words (a dealer's name, a
    /// slogan) have none, or only 0 and 1, the look-alikes of O and I.
    static func hasNumber<S: Sequence>(_ bytes: S) -> Bool where S.Element == UInt8 {
        bytes.contains { (UInt8(ascii: "2")...UInt8(ascii: "9")).contains($0) }
    }

    let formats: [PlateFormat]
    /// A character read with less confidence than this may be dropped as a separator or frame piece.
    var droppableBelow = 70.0
    /// A character adds (confidence − this) to a reading's score: below it, leaving it out scores more.
    var keepAbove = 50.0
    /// Extra score of a specific national format over the generic ones: as much as one character read for
    /// sure adds (100 − `keepAbove`), so a 7-character plate of its state's format beats the 6 characters left
    /// after dropping a weakly read one.
    var formatBonus = 50.0
    /// An alternative this far below a character's top confidence earns a format no bonus, and backs no
    /// other segmentation's text in the vote.
    var alternativeGap = 5.0
    /// Less score for a generic reading without any digit.
    var noDigitPenalty = 25.0
    /// Less score for a generic reading of a length plates seldom have (5 or 8 characters: most have 6 or 7),
    /// so a character read weakly at the end of a 6- or 7-character plate is not dropped for a few points.
    var rareLengthPenalty = 20.0
    /// The lengths generic readings most often have.
    var commonLengths = 6...7
    /// A segmentation's letter read with this confidence or less backs, in the vote, a text with another letter
    /// there (as an unknown letter): a weak read is no evidence against a letter another segmentation read well.
    var unsureAtMost = 62.0
    /// A generic reading keeping an end character read this far below the plate's median confidence…
    var endOutlierGap = 25.0
    /// …scores this much less (per end).
    var endOutlierPenalty = 20.0
    /// The best texts of each segmentation put to the vote.
    var candidatesPerVariant = 8

    /// The readings of one segmentation, best first, one per text.
    func readings(_ reads: [CharacterRead]) -> [Reading] {
        guard !reads.isEmpty else { return [] }
        var droppable: [Int] = []
        for (i, r) in reads.enumerated() where r.confidence < droppableBelow || i == 0 || i == reads.count - 1 {
            droppable.append(i)
        }
        if droppable.count > 10 { droppable = Array(droppable.prefix(10)) }
        var best: [String: Reading] = [:]
        for mask in 0..<(1 << droppable.count) where mask.nonzeroBitCount <= 3 {
            var kept: [CharacterRead] = []
            kept.reserveCapacity(reads.count)
            var dropped = Set<Int>()
            for (k, i) in droppable.enumerated() where mask & (1 << k) != 0 { dropped.insert(i) }
            for (i, r) in reads.enumerated() where !dropped.contains(i) { kept.append(r) }
            let outliers = endOutliers(kept)
            for format in formats {
                for var reading in read(kept, as: format) {
                    // a national format fitting is evidence enough that its end characters belong to it
                    if !reading.specific { reading.score -= endOutlierPenalty * Double(outliers) }
                    guard reading.score > (best[reading.text]?.score ?? -.infinity) else { continue }
                    best[reading.text] = reading
                }
            }
        }
        return best.values.sorted { $0.score > $1.score }
    }

    /// How many of the two end characters the OCR read far worse (`endOutlierGap`) than the plate's median:
    /// frame edges, bolts and emblems beside the characters, not characters (4+ characters only).
    private func endOutliers(_ reads: [CharacterRead]) -> Int {
        guard reads.count >= 4, let first = reads.first, let last = reads.last else { return 0 }
        let median = reads.map(\.confidence).sorted()[reads.count / 2]
        return [first, last].filter { $0.confidence < median - endOutlierGap }.count
    }

    /// Votes over the readings of several segmentations (binarisations) of one plate: a text read in
    /// all of them beats one read in a single one. A segmentation also backs a text its own reading in
    /// the same format differs from only where that text's letter is one of the OCR's alternatives
    /// (less what the alternative scores below the letter it read), or where it barely read its own letter
    /// (`unsureAtMost`). Best first.
    func combine(_ perVariant: [[Reading]]) -> [Candidate] {
        guard !perVariant.isEmpty else { return [] }
        var texts: [String: Reading] = [:]
        for readings in perVariant {
            for r in readings.prefix(candidatesPerVariant) where texts[r.text] == nil { texts[r.text] = r }
        }
        var out: [Candidate] = []
        for (text, origin) in texts {
            let letters = Array(text.utf8)
            var score = 0.0, confidence = 0.0
            for readings in perVariant {
                let top = readings.first?.score ?? 0
                var best: (score: Double, confidence: Double)?
                for r in readings where r.text.utf8.count == letters.count && r.region == origin.region && r.specific == origin.specific {
                    guard let s = support(letters, by: r), s.score > best?.score ?? -.infinity else { continue }
                    best = s
                }
                guard let best else { continue }
                // a variant backs its own best text most: another of its texts loses what it scores below it
                // (dropping an edge character every variant has would otherwise outvote one they disagree on)
                score += max(0.01, best.score - (top - best.score))
                confidence += best.confidence
            }
            out.append(Candidate(text: text, confidence: min(1, confidence / (100 * Double(perVariant.count))), region: origin.region,
                                 score: score, specific: origin.specific))
        }
        return out.filter { $0.score > 0 }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.text < $1.text }
    }

    /// How much reading `r` backs `letters` (same length): its score less, for each letter it read
    /// differently, how far below its own letter the OCR put that one (nil when the OCR never offered it and
    /// its own letter was read surely).
    private func support(_ letters: [UInt8], by r: Reading) -> (score: Double, confidence: Double)? {
        if r.characters.count != letters.count { return String(decoding: letters, as: UTF8.self) == r.text ? (r.score, r.confidence) : nil }
        var cost = 0.0, sum = 0.0
        let own = Array(r.text.utf8)
        for i in letters.indices {
            let want = letters[i]
            if own[i] == want { sum += r.picked[i]; continue }
            let zero = want == UInt8(ascii: "0")
            guard let alt = r.characters[i].choices.first(where: { $0.character == want || (zero && $0.character == UInt8(ascii: "O")) })
            else {
                // a letter this segmentation barely read is no evidence against another: it backs that one as unknown
                guard r.picked[i] <= unsureAtMost else { return nil }
                cost += max(0, r.picked[i] - keepAbove)
                sum += min(keepAbove, r.picked[i])
                continue
            }
            // an alternative well below the letter read is no doubt of the OCR's: no backing
            if r.picked[i] - alt.confidence > alternativeGap { return nil }
            cost += max(0, r.picked[i] - alt.confidence)
            sum += alt.confidence
        }
        return (r.score - cost, sum / Double(letters.count))
    }

    private func read(_ reads: [CharacterRead], as format: PlateFormat) -> [Reading] {
        if format.regex != nil { return readPattern(reads, format) }
        guard reads.count == format.slots.count else { return [] }
        var text: [UInt8] = []
        var picked: [Double] = []
        var mapped = false
        for (read, slot) in zip(reads, format.slots) {
            guard let (c, confidence, lookalike) = pick(read, slot, zeroForO: format.zeroForO) else { return [] }
            text.append(c)
            picked.append(confidence)
            mapped = mapped || lookalike
        }
        let sum = picked.reduce(0, +)
        let n = Double(text.count)
        // a format earns its bonus only when the OCR's own alternatives fit it: one that needs a
        // look-alike swap (A read where a 4 must be) is no evidence for that format
        var score = (sum / n - keepAbove) * n + (format.specific && !mapped ? formatBonus : 0)
        // strokes of a grille or a frame read as I and 1 are no plate
        let strokes = text.filter { $0 == UInt8(ascii: "I") || $0 == UInt8(ascii: "1") }.count
        if strokes * 2 >= text.count { return [] }
        // words (a dealer's name on the frame) have no digit, or only look-alikes of letters (0, 1)
        if !format.specific, !Self.hasNumber(text) { score -= noDigitPenalty }
        if !format.specific, !commonLengths.contains(text.count) { score -= rareLengthPenalty }
        return [Reading(text: String(decoding: text, as: UTF8.self), score: score, confidence: sum / n, region: format.region,
                        specific: format.specific, characters: reads, picked: picked)]
    }

    /// The best alternative that fits the slot, else the top one's look-alike (true: a look-alike, or an alternative
    /// more than `alternativeGap` below the top one).
    private func pick(_ read: CharacterRead, _ slot: PlateFormat.Slot, zeroForO: Bool) -> (UInt8, Double, Bool)? {
        guard let top = read.choices.first else { return nil }
        // where O is read as zero, a D about as likely as the O is the D (its straight side read as a curve)
        let d = read.choices.first { $0.character == UInt8(ascii: "D") }
        let oIsD = zeroForO && top.character == UInt8(ascii: "O") && d.map { top.confidence - $0.confidence <= 2 } == true
        for choice in read.choices {
            var c = zeroForO && choice.character == UInt8(ascii: "O") ? UInt8(ascii: oIsD ? "D" : "0") : choice.character
            // one glyph in plate fonts (I and 1, O and 0): the OCR's preference between them is no evidence
            if !fits(c, slot), let twin = Confusion.twin(of: c), fits(twin, slot) { c = twin }
            // an alternative well below the top one is a swap the format asked for, not the OCR's reading
            if fits(c, slot) {
                if c == top.character || Confusion.sameGlyph(c, top.character) { return (c, top.confidence, false) }
                return (c, choice.confidence, top.confidence - choice.confidence > alternativeGap)
            }
        }
        let digit = slot == .digit || slot == .nonZeroDigit
        let mapped = digit ? Confusion.digit(for: top.character) : slot == .letter ? Confusion.letter(for: top.character) : nil
        return mapped.flatMap { c in
            guard fits(c, slot) else { return nil }
            return Confusion.sameGlyph(c, top.character) ? (c, top.confidence, false) : (c, top.confidence * 0.8, true)
        }
    }

    private func fits(_ c: UInt8, _ slot: PlateFormat.Slot) -> Bool {
        switch slot {
        case .any: return true
        case .letter: return (65...90).contains(c)
        case .digit: return (48...57).contains(c)
        case .nonZeroDigit: return (49...57).contains(c)
        }
    }

    /// A user's pattern: the best combinations of each character's alternatives (and their look-alikes)
    /// that the pattern accepts.
    private func readPattern(_ reads: [CharacterRead], _ format: PlateFormat) -> [Reading] {
        var beam: [(text: [UInt8], sum: Double)] = [([], 0)]
        for read in reads {
            var options: [(UInt8, Double)] = read.choices.prefix(3).map { ($0.character, $0.confidence) }
            if let top = read.choices.first {
                for alt in [Confusion.digit(for: top.character), Confusion.letter(for: top.character)].compactMap({ $0 })
                where !options.contains(where: { $0.0 == alt }) {
                    options.append((alt, top.confidence * 0.8))
                }
            }
            guard !options.isEmpty else { return [] }
            var next: [(text: [UInt8], sum: Double)] = []
            for partial in beam {
                for option in options { next.append((partial.text + [option.0], partial.sum + option.1)) }
            }
            next.sort { $0.sum > $1.sum }
            beam = Array(next.prefix(64))
        }
        for candidate in beam {
            let text = String(decoding: candidate.text, as: UTF8.self)
            guard format.matches(text) else { continue }
            let n = Double(candidate.text.count)
            return [Reading(text: text, score: (candidate.sum / n - keepAbove) * n + formatBonus, confidence: candidate.sum / n,
                            region: format.region, specific: true)]
        }
        return []
    }
}
