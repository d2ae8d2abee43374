import PluginAPI

/// Fuses the reads of one plate over consecutive frames into one result per vehicle pass: reads
/// within two characters of each other and `gap` seconds apart belong to one pass; when the pass
/// ends (no read for `gap` seconds, or it lasted `maxLength`) the text with the most confidence
/// summed over its frames wins. A plate reported once is not reported again within `cooldown`.
struct PlateFusion {
    /// One read on one frame.
    struct Sighting {
        var read: PlateRead
        var frameNumber: Int
        var timestamp: Timestamp
        var image: Image
    }

    /// A finished pass.
    struct Result {
        /// The winning text, its confidence (0–1: its share of the votes × its mean confidence), region.
        var text: String
        var confidence: Double
        var region: String
        /// Texts with their share of the votes, best first.
        var candidates: [(text: String, confidence: Double)]
        /// The winning text's most confident sighting (its frame, box and picture).
        var best: Sighting
        /// Frames with a read in this pass.
        var frames: Int
    }

    private struct Pass {
        var votes: [String: (weight: Double, count: Int, region: String)] = [:]
        var best: [String: Sighting] = [:]
        var first: Double, last: Double
        var frames = 0

        var leader: String? { votes.max { $0.value.weight != $1.value.weight ? $0.value.weight < $1.value.weight : $0.key > $1.key }?.key }
    }

    let gap: Double, maxLength: Double, cooldown: Double
    private var passes: [Pass] = []
    private var reported: [String: Double] = [:]

    init(gap: Double, maxLength: Double, cooldown: Double) {
        self.gap = gap; self.maxLength = maxLength; self.cooldown = cooldown
    }

    /// Adds a read to the pass of the same plate, or starts a pass.
    mutating func add(_ sighting: Sighting) {
        let t = sighting.timestamp.secondsSince1970, text = sighting.read.text
        var target: Int?
        var nearest = Int.max
        for (i, pass) in passes.enumerated() where pass.last >= t - gap {
            let d = pass.votes.keys.map { KnownPlates.distance($0, text) }.min() ?? .max
            if d <= 2, d < nearest { nearest = d; target = i }
        }
        if target == nil { passes.append(Pass(first: t, last: t)); target = passes.count - 1 }
        var pass = passes[target!]
        let v = pass.votes[text] ?? (0, 0, sighting.read.region)
        pass.votes[text] = (v.weight + sighting.read.confidence, v.count + 1, v.region)
        if sighting.read.confidence > (pass.best[text]?.read.confidence ?? -1) { pass.best[text] = sighting }
        pass.last = max(pass.last, t)
        pass.frames += 1
        passes[target!] = pass
    }

    /// The passes that ended by `now` (seconds), minus plates still in their cooldown.
    mutating func due(now: Double) -> [Result] {
        var out: [Result] = [], open: [Pass] = []
        for pass in passes {
            if pass.last + gap < now || now - pass.first >= maxLength {
                if let r = result(pass) { out.append(r) }
            } else {
                open.append(pass)
            }
        }
        passes = open
        return out.filter { admit($0) }
    }

    /// Every pass still open (at the end of the stream), minus plates in their cooldown.
    mutating func finishAll() -> [Result] {
        let open = passes
        passes.removeAll()
        return open.compactMap(result).filter { admit($0) }
    }

    /// False for a plate reported less than `cooldown` seconds (of frame time) before this pass's read.
    private mutating func admit(_ r: Result) -> Bool {
        let now = r.best.timestamp.secondsSince1970
        if let last = reported[r.text], now - last < cooldown { return false }
        reported[r.text] = now
        reported = reported.filter { now - $0.value < cooldown }
        return true
    }

    private func result(_ pass: Pass) -> Result? {
        guard let text = pass.leader, let vote = pass.votes[text], let best = pass.best[text] else { return nil }
        let total = pass.votes.values.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return nil }
        let candidates = pass.votes.map { (text: $0.key, confidence: $0.value.weight / total) }
            .sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.text < $1.text }
        let mean = vote.weight / Double(vote.count)
        return Result(text: text, confidence: vote.weight / total * mean, region: vote.region, candidates: candidates,
                      best: best, frames: pass.frames)
    }
}
