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

    /// Creates a context; the host does this.
    public init(name: String, cameraID: String?, config: JSONValue, configPath: String, logger: PluginLogger) {
        self.name = name; self.cameraID = cameraID; self.config = config
        self.configPath = configPath; self.logger = logger
    }

    /// Decodes `config` over `defaults`: keys missing from the config keep their default,
    /// keys unknown to `defaults` are logged as warnings, and a wrong type throws a
    /// `PluginError` naming the JSON path, e.g. `detectors[0].config.threshold: expected a number`.
    /// Keys are snake_case in JSON and camelCase in Swift.
    public func decodeConfig<T: Codable>(defaults: T) throws -> T {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let base = try JSONValue(parsing: String(decoding: try encoder.encode(defaults), as: UTF8.self))
        if case .null = config {} else if case .object = config {} else {
            throw PluginError("\(configPath): expected an object, found \(config.typeName)")
        }
        for path in config.unknownKeys(comparedTo: base, path: configPath) {
            logger.warning("Unknown config key ignored", metadata: ["config.path": path])
        }
        let merged = base.merging(config)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(T.self, from: Data(merged.jsonString.utf8))
        } catch let error as DecodingError {
            throw PluginError(Self.describe(error, under: configPath))
        }
    }

    static func describe(_ error: DecodingError, under root: String) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(root) { acc, key in
                if let i = key.intValue { return "\(acc)[\(i)]" }
                return "\(acc).\(JSONValue.snakeCase(key.stringValue))"
            }
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(JSONValue.describe(type))"
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
