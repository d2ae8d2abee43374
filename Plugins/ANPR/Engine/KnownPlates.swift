import Foundation
import PluginAPI

/// Plates the operator knows, with labels; a read matches one when at most `maxDistance`
/// characters differ (edit distance), so a one-character misread still finds it.
struct KnownPlates {
    /// A match: the known plate, its label and how many characters differ.
    struct Match: Equatable {
        var plate: String
        var label: String
        var distance: Int
    }

    private(set) var labels: [String: String] = [:]

    /// Plates from the config and from a CSV file of `plate,label` lines (`#` comments and blank
    /// lines ignored; a missing file is no error). A bad line throws, naming the file and line.
    init(config: [String: String], file: String?) throws {
        for (plate, label) in config { labels[Self.normalise(plate)] = label }
        guard let file, FileManager.default.fileExists(atPath: file) else { return }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw PluginError("\(file): cannot read the known plates file (not UTF-8 text, or not readable)")
        }
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let plate = Self.normalise(fields[0])
            guard !plate.isEmpty else { throw PluginError("\(file):\(i + 1): expected plate,label, found \"\(line)\"") }
            labels[plate] = fields.count > 1 ? fields[1] : ""
        }
    }

    /// The closest known plate within `maxDistance` edits (exact first), or nil.
    func match(_ text: String, maxDistance: Int) -> Match? {
        let plate = Self.normalise(text)
        if let label = labels[plate] { return Match(plate: plate, label: label, distance: 0) }
        var best: Match?
        for (known, label) in labels {
            guard abs(known.count - plate.count) <= maxDistance else { continue }
            let d = Self.distance(known, plate)
            if d <= maxDistance, d < (best?.distance ?? .max) || (d == best?.distance && known < best!.plate) {
                best = Match(plate: known, label: label, distance: d)
            }
        }
        return best
    }

    /// Uppercase letters and digits only.
    static func normalise(_ text: String) -> String {
        String(text.uppercased().unicodeScalars.filter { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }.map(Character.init))
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
