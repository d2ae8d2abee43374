import Foundation

/// The labelled plates of an evaluation folder: `labels.csv` (`file,plate_text,...`) and, when
/// present, `boxes.csv` (`file,region,x,y,w,h`). Rows that cannot be used are reported, one line
/// each naming the file and line, and left out.
struct PlateLabels {
    struct Box { var region: String; var x, y, width, height: Int }

    /// file → plate text (uppercase, no spaces or dashes), in file order.
    var plates: [(file: String, text: String)] = []
    /// file → labelled plate box.
    var boxes: [String: Box] = [:]
    /// One line per row left out.
    var problems: [String] = []

    init(folder: String) throws {
        let labels = "\(folder)/labels.csv"
        guard let text = try? String(contentsOfFile: labels, encoding: .utf8) else {
            throw PlateLabelsError("\(labels): cannot read the labels file (missing, unreadable or not UTF-8)")
        }
        var seen = Set<String>()
        for (n, row) in Self.rows(text) {
            if n == 1, row.first?.lowercased() == "file" { continue }
            guard row.count >= 2, !row[0].isEmpty else {
                problems.append("\(labels):\(n): expected file,plate_text, found \"\(row.joined(separator: ","))\" (row skipped)")
                continue
            }
            let plate = Self.normalise(row[1])
            guard !plate.isEmpty else { problems.append("\(labels):\(n): \(row[0]) has no plate text (row skipped)"); continue }
            guard seen.insert(row[0]).inserted else { problems.append("\(labels):\(n): \(row[0]) is labelled twice (row skipped)"); continue }
            plates.append((row[0], plate))
        }
        let boxesFile = "\(folder)/boxes.csv"
        guard let boxText = try? String(contentsOfFile: boxesFile, encoding: .utf8) else { return }
        for (n, row) in Self.rows(boxText) {
            if n == 1, row.first?.lowercased() == "file" { continue }
            guard row.count >= 6, let x = Int(row[2]), let y = Int(row[3]), let w = Int(row[4]), let h = Int(row[5]), w > 0, h > 0 else {
                problems.append("\(boxesFile):\(n): expected file,region,x,y,w,h, found \"\(row.joined(separator: ","))\" (row skipped)")
                continue
            }
            boxes[row[0]] = Box(region: row[1], x: x, y: y, width: w, height: h)
        }
    }

    /// Uppercase letters and digits: "ab-12 3" → "AB123".
    static func normalise(_ text: String) -> String {
        String(text.uppercased().unicodeScalars.filter { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }.map(Character.init))
    }

    private static func rows(_ text: String) -> [(Int, [String])] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, line in
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : (i + 1, trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) })
        }
    }
}

/// A labels file that cannot be used at all.
struct PlateLabelsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
