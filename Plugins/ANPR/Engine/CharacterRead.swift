/// The OCR's alternatives for one character of a plate, best first (A–Z and 0–9 only).
struct CharacterRead: Equatable {
    /// Alternatives with confidence 0–100, best first.
    var choices: [(character: UInt8, confidence: Double)]

    /// The best alternative's confidence (0 when there is none).
    var confidence: Double { choices.first?.confidence ?? 0 }

    static func == (a: CharacterRead, b: CharacterRead) -> Bool {
        a.choices.elementsEqual(b.choices) { $0.character == $1.character && $0.confidence == $1.confidence }
    }

    /// Keeps the ASCII letters and digits of the OCR's choices, uppercased, best per character.
    init(choices raw: [(text: String, confidence: Double)]) {
        var seen = Set<UInt8>()
        var out: [(character: UInt8, confidence: Double)] = []
        for choice in raw.sorted(by: { $0.confidence > $1.confidence }) {
            guard choice.text.utf8.count == 1, var c = choice.text.utf8.first else { continue }
            if (97...122).contains(c) { c -= 32 }
            guard (48...57).contains(c) || (65...90).contains(c), seen.insert(c).inserted else { continue }
            out.append((c, choice.confidence))
        }
        choices = out
    }

    /// A read of exactly these characters and confidences (tests).
    init(_ choices: [(Character, Double)]) {
        self.choices = choices.map { (UInt8(ascii: $0.0.unicodeScalars.first!), $0.1) }
    }

    /// Puts `c` first at the top confidence (a shape check overruling the OCR), the OCR's choice just below it.
    mutating func prefer(_ c: UInt8) {
        guard let top = choices.first, top.character != c else { return }
        choices.removeAll { $0.character == c }
        choices.insert((c, top.confidence), at: 0)
        choices[1].confidence = top.confidence - 1
    }
}
