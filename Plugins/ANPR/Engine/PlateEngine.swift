import PluginAPI

/// One frame handed to the reader: its picture, where to look, and its place in time.
struct PlateJob: Sendable {
    struct Area: Sendable { var x, y, width, height: Int }
    var image: Image
    var cameraID: String
    var frameNumber: Int
    var timestamp: Timestamp
    /// Where to look; nil: nothing to read on this frame (it only moves time on, ending passes).
    var areas: [Area]?
}

/// Reads the plates of each job, fuses them over frames and turns finished passes into events.
/// Confined to one thread at a time (the reader thread, or the camera's when there is no emitter).
final class PlateEngine: @unchecked Sendable {
    private let reader: PlateReader
    private var fusion: PlateFusion
    private let known: KnownPlates
    private let config: ANPRConfig
    private let logger: PluginLogger
    private var lastFrame: (number: Int, timestamp: Timestamp, cameraID: String)?

    init(reader: PlateReader, known: KnownPlates, config: ANPRConfig, logger: PluginLogger) {
        self.reader = reader; self.known = known; self.config = config; self.logger = logger
        fusion = PlateFusion(gap: config.passGapSeconds, maxLength: config.maxPassSeconds, cooldown: config.cooldownSeconds)
    }

    /// Reads the job's frame and returns the events of the passes that have ended by its time.
    func handle(_ job: PlateJob) -> [Event] {
        lastFrame = (job.frameNumber, job.timestamp, job.cameraID)
        if let areas = job.areas {
            do {
                let reads = try reader.read(job.image, areas: areas.map { ($0.x, $0.y, $0.width, $0.height) })
                    .filter { $0.confidence >= config.minConfidence }
                // the most plate-like row, and any other nearly as plate-like with a number in it (a second
                // vehicle; words elsewhere on the car, a dealer's name or a sticker, have none)
                let bar = (reads.first?.rank ?? 0) - 0.1
                for (i, read) in reads.enumerated() where i == 0 || (read.rank >= bar && PlateResolver.hasNumber(read.text.utf8)) {
                    fusion.add(.init(read: read, frameNumber: job.frameNumber, timestamp: job.timestamp, image: job.image))
                }
            } catch {
                logger.error("Plate reading failed", metadata: ["frame.number": "\(job.frameNumber)", "error": "\(error)"])
            }
        }
        return fusion.due(now: job.timestamp.secondsSince1970).map { event($0, cameraID: job.cameraID) }
    }

    /// The events of every pass still open (the camera stopped).
    func finish() -> [Event] {
        guard let last = lastFrame else { return [] }
        return fusion.finishAll().map { event($0, cameraID: last.cameraID) }
    }

    private func event(_ r: PlateFusion.Result, cameraID: String) -> Event {
        var data: [(key: String, value: JSONValue)] = [
            ("anpr_result", ["license_plate": .string(r.text), "confidence": .double(round4(r.confidence)), "region": .string(r.region)]),
            ("candidates", .array(r.best.read.candidates.prefix(config.topN).map {
                ["plate": .string($0.text), "confidence": .double(round4($0.confidence)), "region": .string($0.region)]
            })),
            ("plate_box", r.best.read.box.json),
            ("frames", .int(r.frames)),
            ("votes", .array(r.candidates.prefix(config.topN).map { ["plate": .string($0.text), "share": .double(round4($0.confidence))] })),
        ]
        if let match = known.match(r.text, maxDistance: config.maxEditDistance) {
            data.append(("known_plate", ["plate": .string(match.plate), "label": .string(match.label), "distance": .int(match.distance)]))
        }
        return Event(type: "anpr", cameraID: cameraID, frameNumber: r.best.frameNumber, timestamp: r.best.timestamp,
                     data: .object(data), snapshot: config.snapshot ? r.best.image : nil, snapshotKind: "anpr")
    }

    private func round4(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
}
