import Foundation
import PluginAPI

/// One counted crossing of a line.
struct LineCrossing {
    /// The line's name.
    var line: String
    /// "in" (towards the line's in side) or "out".
    var direction: String
    var trackID: Int
    var className: String
    var box: Box
    /// Running counts on this line after this crossing: class → (in, out).
    var counts: [String: (in: Int, out: Int)]
}

/// Counts tracks crossing the camera's lines, per line, class and direction. A track's anchor
/// point must be more than `margin` (normalised distance) from the line on the other side, and
/// its path from the last point where it was clearly on one side must cross the line's segment:
/// an object standing or jittering on the line is counted once, when it really crosses.
/// The counts are kept in `line_counts.json` in the state folder when there is one, so they
/// survive restarts.
final class LineCounter {
    private struct Memory { var side: CountingLine.Side; var point: Point }

    let lines: [CountingLine]
    private let margin: Double
    private let file: URL?
    private var memory: [Int: [Memory?]] = [:]   // track key → per line
    private(set) var counts: [String: [String: (in: Int, out: Int)]] = [:]

    init(lines: [CountingLine], margin: Double, stateDirectory: String?, logger: PluginLogger?) {
        self.lines = lines; self.margin = margin
        file = stateDirectory.map { URL(fileURLWithPath: $0).appendingPathComponent("line_counts.json") }
        guard !lines.isEmpty, let file, let data = try? Data(contentsOf: file) else { return }
        do {
            let saved = try JSONDecoder().decode([String: [String: [String: Int]]].self, from: data)
            for (line, classes) in saved where lines.contains(where: { $0.name == line }) {
                counts[line] = classes.mapValues { (in: $0["in"] ?? 0, out: $0["out"] ?? 0) }
            }
        } catch {
            logger?.warning("Line counts file unreadable, counting from zero", metadata: ["file": file.path, "error": "\(error)"])
        }
    }

    /// The crossings of `track` now that its anchor is at `point` (`key` identifies the track).
    func observe(key: Int, trackID: Int, className: String, box: Box, point: Point) -> [LineCrossing] {
        guard !lines.isEmpty else { return [] }
        var states = memory[key] ?? Array(repeating: nil, count: lines.count)
        defer { memory[key] = states }
        var crossings: [LineCrossing] = []
        for (i, line) in lines.enumerated() {
            let dx = line.to.x - line.from.x, dy = line.to.y - line.from.y
            let length = max((dx * dx + dy * dy).squareRoot(), 1e-9)
            let distance = (dx * (point.y - line.from.y) - dy * (point.x - line.from.x)) / length
            guard abs(distance) > margin else { continue }
            let side: CountingLine.Side = distance < 0 ? .left : .right
            guard let before = states[i] else { states[i] = Memory(side: side, point: point); continue }
            if side != before.side, line.isCrossed(from: before.point, to: point) {
                let direction = side == line.inSide ? "in" : "out"
                var perClass = counts[line.name] ?? [:]
                var c = perClass[className] ?? (0, 0)
                if direction == "in" { c.in += 1 } else { c.out += 1 }
                perClass[className] = c
                counts[line.name] = perClass
                crossings.append(LineCrossing(line: line.name, direction: direction, trackID: trackID,
                                              className: className, box: box, counts: perClass))
            }
            states[i] = Memory(side: side, point: point)
        }
        if !crossings.isEmpty { save() }
        return crossings
    }

    /// Forgets a track that ended.
    func forget(key: Int) { memory[key] = nil }

    private func save() {
        guard let file else { return }
        let plain = counts.mapValues { $0.mapValues { ["in": $0.in, "out": $0.out] } }
        if let data = try? JSONEncoder().encode(plain) { try? data.write(to: file, options: .atomic) }
    }
}
