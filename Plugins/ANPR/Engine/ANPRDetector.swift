import PluginAPI
import VigilOCR

/// Reads licence plates on one camera. The camera's thread only picks where to look and queues the
/// frame; a reader thread of its own locates, reads and fuses plates and emits one `anpr` event per
/// vehicle pass through the host's emitter. Without an emitter (a host before PluginAPI 1.1) it reads
/// on the camera's thread and returns the events from `process`.
package final class ANPRDetector: SelectiveDetector {
    package let frameInterest: FrameInterest
    private let config: ANPRConfig
    private let engine: PlateEngine
    private let thread: ReaderThread<PlateJob>?
    private let logger: PluginLogger
    private var dropsLogged = 0

    package init(context: PluginContext) throws {
        let config = try context.decodeConfig(defaults: ANPRConfig())
        try Self.validate(config, path: context.configPath)
        self.config = config
        logger = context.logger
        let ocr = try Self.openOCR(config, path: context.configPath)
        var formats: [PlateFormat] = config.regions.flatMap { PlateFormat.builtIn($0) ?? [] }
        for (i, pattern) in config.patterns.enumerated() {
            do { formats.append(try PlateFormat.custom(pattern)) } catch {
                throw PluginError("\(context.configPath).patterns[\(i)]: not a regular expression: \(error)")
            }
        }
        let knownFile = config.knownPlatesFile.isEmpty ? nil
            : config.knownPlatesFile.hasPrefix("/") ? config.knownPlatesFile
            : context.stateDirectory.map { "\($0)/\(config.knownPlatesFile)" }
        let known = try KnownPlates(config: config.knownPlates, file: knownFile)
        let reader = PlateReader(ocr: ocr, resolver: PlateResolver(formats: formats), minCharHeight: config.minCharHeight,
                                 maxCharHeight: config.maxCharHeight, maxCandidates: config.maxCandidates)
        let engine = PlateEngine(reader: reader, known: known, config: config, logger: context.logger)
        self.engine = engine
        frameInterest = config.motionOnly ? .motion(atLeastEvery: config.passGapSeconds) : .everyFrame
        if let emitter = context.emitter {
            thread = ReaderThread(name: "anpr-\(context.cameraID ?? context.name)", capacity: config.queueSize) { job in
                emitter.emit(engine.handle(job))
            }
        } else {
            thread = nil
        }
        context.logger.info("Plate reader ready", metadata: [
            "ocr.language": ocr.language, "ocr.engine": ocr.engine.rawValue, "anpr.regions": config.regions.joined(separator: ","),
            "anpr.known_plates": "\(known.labels.count)", "anpr.background": "\(thread != nil)",
        ])
    }

    package func process(_ frame: Frame) throws -> [Event] {
        let job = PlateJob(image: frame.image, cameraID: frame.cameraID, frameNumber: frame.number, timestamp: frame.timestamp,
                           areas: SearchAreas(config: config).areas(for: frame))
        guard let thread else { return engine.handle(job) }
        if !thread.submit(job) {
            let dropped = thread.dropped
            if dropped >= dropsLogged * 2 {  // 1, 2, 4, 8… so a slow reader does not flood the log
                dropsLogged = max(dropped, 1)
                logger.warning("Plate reader behind, frames dropped", metadata: ["frames.dropped": "\(dropped)"])
            }
        }
        return []
    }

    package func finish() -> [Event] {
        thread?.finish()
        return engine.finish()
    }

    private static func openOCR(_ config: ANPRConfig, path: String) throws -> TesseractOCR {
        let engine: TesseractOCR.Engine
        switch config.engine {
        case "legacy": engine = .legacy
        case "lstm": engine = .lstm
        default: engine = TesseractOCR.hasLegacyModel(dataPath: config.tessdataDir, language: config.language) ? .legacy : .lstm
        }
        do {
            return try TesseractOCR(dataPath: config.tessdataDir, language: config.language, engine: engine,
                                    whitelist: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        } catch {
            throw PluginError("\(path).language: \(error)")
        }
    }

    private static func validate(_ c: ANPRConfig, path: String) throws {
        guard ["auto", "legacy", "lstm"].contains(c.engine) else {
            throw PluginError("\(path).engine: expected \"auto\", \"legacy\" or \"lstm\", found \"\(c.engine)\"")
        }
        for (i, region) in c.regions.enumerated() where PlateFormat.builtIn(region) == nil {
            throw PluginError("\(path).regions[\(i)]: unknown region \"\(region)\" (expected us, eu, br, mercosur or gb; use patterns for others)")
        }
        if c.regions.isEmpty && c.patterns.isEmpty { throw PluginError("\(path).regions: give at least one region or pattern") }
        guard c.minCharHeight >= 4, c.maxCharHeight >= c.minCharHeight else {
            throw PluginError("\(path).min_char_height: expected 4 or more and at most max_char_height")
        }
        if let roi = c.regionOfInterest, roi.count != 4 || !roi.allSatisfy({ (0...1).contains($0) }) || roi[2] <= 0 || roi[3] <= 0 {
            throw PluginError("\(path).region_of_interest: expected [x, y, width, height] between 0 and 1")
        }
        guard c.maxCandidates >= 1 else { throw PluginError("\(path).max_candidates: expected 1 or more") }
        guard c.queueSize >= 1 else { throw PluginError("\(path).queue_size: expected 1 or more") }
        guard c.maxEditDistance >= 0 else { throw PluginError("\(path).max_edit_distance: expected 0 or more") }
        guard c.passGapSeconds > 0, c.maxPassSeconds > 0, c.cooldownSeconds >= 0 else {
            throw PluginError("\(path): pass_gap_seconds and max_pass_seconds must be positive, cooldown_seconds 0 or more")
        }
    }
}
