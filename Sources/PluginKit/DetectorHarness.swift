import Foundation
import Logging
import PluginAPI
import VigilPipeline
import VigilPlugins

/// Runs detectors over frames the way vigil's camera loop does — the same chain code: shared
/// annotations, motion-only detectors skipped on still frames, emitters closed after `finish()`,
/// errors caught — with no PostgreSQL, Redis or host process. Collects every event (returned and
/// emitted) and every log line.
///
///     let harness = DetectorHarness(zones: [Zone(name: "door", polygon: [...])])
///     try harness.add("brightness", config: ["threshold": 100]) { try BrightnessDetector(context: $0) }
///     let run = harness.run(try TestFrames.video("clip.mp4"))
///     XCTAssertEqual(run.events.map(\.type), ["brightness"])
public final class DetectorHarness: @unchecked Sendable {
    /// What one run produced.
    public struct Run: Sendable {
        /// Every event, returned or emitted, in the order vigil received them.
        public let events: [Event]
        /// Every log line of the plugins and of the chain (errors a detector threw are logged here).
        public let logs: [LogLine]
        /// Frames given to the chain.
        public let frames: Int
        /// Per detector, in chain order: calls, skipped frames, deadline overruns, errors.
        public let counters: [(name: String, calls: Int, skipped: Int, overruns: Int, errors: Int)]

        /// The log lines at `level` or above.
        public func logs(atLeast level: PluginLogger.Level) -> [LogLine] { logs.filter { $0.level >= level } }
    }

    /// The camera id the frames and contexts carry.
    public let cameraID: String
    private let zones: [Zone]
    private let lines: [CountingLine]
    private let stateRoot: String?
    private let logs = LogCollector()
    private let events = EventCollector()
    private var links: [DetectorChain.Link] = []

    /// A harness for one camera. `stateRoot` gives each detector `<stateRoot>/<name>` as its state
    /// folder (a fresh temporary folder when nil).
    public init(cameraID: String = "camera-01", zones: [Zone] = [], lines: [CountingLine] = [], stateRoot: String? = nil) {
        self.cameraID = cameraID; self.zones = zones; self.lines = lines
        self.stateRoot = stateRoot ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("pluginkit-\(UUID().uuidString.prefix(8))").path
    }

    /// Adds a detector made by `factory` (your plugin's type, linked into the test) to the chain.
    public func add(_ name: String, config: JSONValue = [:], maxProcessMS: Double? = nil,
                    factory: (PluginContext) throws -> any Detector) throws {
        let logger = logs.logger(plugin: name, camera: cameraID)
        let gate = EmitterGate(name: name, logger: logger)
        var context = PluginContext(name: name, cameraID: cameraID, config: config,
                                    configPath: "detectors[\(links.count)].config", logger: logs.pluginLogger(plugin: name, camera: cameraID))
        context.zones = zones
        context.lines = lines
        context.emitter = gate.emitter(events.add)
        if let stateRoot {
            let dir = "\(stateRoot)/\(name)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            context.stateDirectory = dir
        }
        links.append(DetectorChain.Link(name: name, detector: try factory(context), maxProcessMS: maxProcessMS, gate: gate))
    }

    /// Adds a built plugin `.so` to the chain, loaded by vigil's own loader (ELF and ABI checks).
    public func add(_ name: String, library path: String, config: JSONValue = [:], maxProcessMS: Double? = nil) throws {
        let descriptor = try PluginFile.load(path, kind: .detector).descriptor
        try add(name, config: config, maxProcessMS: maxProcessMS, factory: descriptor.makeDetector)
    }

    /// Runs `frames` through the chain, then finishes every detector (once: a harness runs once).
    public func run<S: Sequence>(_ frames: S) -> Run where S.Element == Frame {
        let chain = DetectorChain(links: links, cameraID: cameraID, logger: logs.logger(plugin: nil, camera: cameraID), emit: events.add)
        var count = 0
        for frame in frames {
            chain.process(frame)
            count += 1
        }
        chain.finish()
        return Run(events: events.all, logs: logs.all, frames: count,
                   counters: chain.stats.map { ($0.name, $0.counters.calls, $0.counters.skipped, $0.counters.overruns, $0.counters.errors) })
    }
}

/// One log line a plugin (or the chain) wrote.
public struct LogLine: Sendable, CustomStringConvertible {
    /// Its level.
    public let level: PluginLogger.Level
    /// The constant message.
    public let message: String
    /// Its metadata (`plugin.name`, `camera.id`, `error`…).
    public let metadata: [String: String]
    /// `error Detector failed on a frame error=… plugin.name=…`
    public var description: String {
        "\(level) \(message)" + metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
    }
}

/// Thread-safe event list.
final class EventCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [Event] = []
    func add(_ more: [Event]) { lock.lock(); events += more; lock.unlock() }
    var all: [Event] { lock.lock(); defer { lock.unlock() }; return events }
}
