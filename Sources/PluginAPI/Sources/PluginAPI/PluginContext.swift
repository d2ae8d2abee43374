internal import Foundation

/// What the host gives a plugin when it creates an instance.
public struct PluginContext: Sendable {
    /// The instance name from plugins.json (e.g. "motion" or "webhook-ops").
    public let name: String
    /// The camera this detector instance serves; nil for sinks.
    public let cameraID: String?
    /// The plugin's `config` object from plugins.json.
    public let config: JSONValue
    /// Where `config` sits in plugins.json, e.g. `detectors[0].config`, for error messages.
    public let configPath: String
    /// A logger tagged with the plugin's name (and camera).
    public let logger: PluginLogger

    /// The camera's zones (`cameras[].zones`), for detectors; empty for sinks (PluginAPI 1.1).
    public var zones: [Zone] = []
    /// The camera's counting lines (`cameras[].lines`), for detectors; empty for sinks (PluginAPI 1.1).
    public var lines: [CountingLine] = []
    /// Emits events outside `process` (detectors only; nil for sinks) (PluginAPI 1.1).
    public var emitter: EventEmitter?
    /// A folder of this instance's own, kept across restarts (calibration, known plates,
    /// counters): `STATE_DIR/<instance name>/<camera id>` for detectors, `STATE_DIR/<instance name>`
    /// for sinks, created by the host. Nil when it could not be created (the host logged why).
    /// (PluginAPI 1.1)
    public var stateDirectory: String?
    /// Where snapshot files are, and how a `snapshot_path` maps to one (PluginAPI 1.1).
    public var snapshots: SnapshotLocation?
    /// vigil's shared cache and work queues (Redis); nil when the host has none (PluginAPI 1.1).
    public var store: (any SharedStore)?

    /// Creates a context; the host does this (and then sets the 1.1 properties it has).
    public init(name: String, cameraID: String?, config: JSONValue, configPath: String, logger: PluginLogger) {
        self.name = name; self.cameraID = cameraID; self.config = config
        self.configPath = configPath; self.logger = logger
    }

    /// Decodes `config` over `defaults`: keys missing from the config keep their default,
    /// keys the type does not read are logged as warnings (`Unknown config key ignored`), and a
    /// wrong type throws a `PluginError` naming the JSON path, e.g.
    /// `detectors[0].config.threshold: expected a number, found a string`.
    ///
    /// Keys are matched ignoring case and underscores, so the JSON's snake_case `camera_ids`
    /// fills the Swift property `cameraIDs`. Optional properties (nil by default) and
    /// dictionary-valued properties (their keys are the user's own) are known keys.
    public func decodeConfig<T: Codable>(defaults: T) throws -> T {
        if case .null = config {} else if case .object = config {} else {
            throw PluginError("\(configPath): expected an object, found \(config.typeName)")
        }
        let base: JSONValue
        do { base = try JSONValue(parsing: String(decoding: try JSONEncoder().encode(defaults), as: UTF8.self)) } catch {
            throw PluginError("\(configPath): the plugin's default configuration cannot be encoded: \(error)")
        }
        let decoding = ConfigDecoding(root: configPath)
        let value = try decoding.decode(T.self, config: config, defaults: base)
        for path in decoding.unreadKeys(of: config) {
            logger.warning("Unknown config key ignored", metadata: ["config.path": path])
        }
        return value
    }

    static func describe(_ error: DecodingError, under root: String) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(root) { acc, key in
                if let i = key.intValue { return "\(acc)[\(i)]" }
                return "\(acc).\(key.stringValue)"
            }
        }
        func found(_ ctx: DecodingError.Context) -> String {
            ctx.debugDescription.hasPrefix("found ") ? ", \(ctx.debugDescription)" : ""
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(JSONValue.describe(type))\(found(ctx))"
        case .valueNotFound(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(JSONValue.describe(type)), found null"
        case .keyNotFound(let key, let ctx):
            return "\(path(ctx.codingPath + [key])): required key is missing"
        case .dataCorrupted(let ctx):
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default:
            return "\(root): \(error)"
        }
    }
}

/// A small logging facade for plugins; the host forwards it to its structured log with
/// `plugin.name` (and `camera.id`) attached. Messages should be constant; data goes in metadata.
public struct PluginLogger: Sendable {
    /// Severity of a log line.
    @frozen
    public enum Level: Int, Sendable, Comparable {
        /// Detail for debugging.
        case debug
        /// Normal operation.
        case info
        /// Something unexpected that the plugin handled.
        case warning
        /// Something failed.
        case error
        /// Orders levels by severity.
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    private let emit: @Sendable (Level, String, [String: String]) -> Void

    /// Creates a logger that hands every line to `emit`; the host does this.
    public init(_ emit: @escaping @Sendable (Level, String, [String: String]) -> Void) { self.emit = emit }

    /// Logs at `level`.
    public func log(_ level: Level, _ message: String, metadata: [String: String] = [:]) {
        emit(level, message, metadata)
    }
    /// Logs detail for debugging.
    public func debug(_ message: String, metadata: [String: String] = [:]) { emit(.debug, message, metadata) }
    /// Logs normal operation.
    public func info(_ message: String, metadata: [String: String] = [:]) { emit(.info, message, metadata) }
    /// Logs something unexpected that was handled.
    public func warning(_ message: String, metadata: [String: String] = [:]) { emit(.warning, message, metadata) }
    /// Logs a failure.
    public func error(_ message: String, metadata: [String: String] = [:]) { emit(.error, message, metadata) }
}
