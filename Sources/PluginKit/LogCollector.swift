import Foundation
import Logging
import PluginAPI

/// Collects the log lines of plugins and of vigil's own code run by the kit (no global bootstrap).
final class LogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [LogLine] = []

    var all: [LogLine] {
        lock.lock(); let own = lines, others = adopted; lock.unlock()
        return others.flatMap(\.all) + own
    }

    func add(_ line: LogLine) { lock.lock(); lines.append(line); lock.unlock() }

    /// From now on, `other`'s lines are read here too (a plugin made before the harness).
    func adopt(_ other: LogCollector) { lock.lock(); adopted.append(other); lock.unlock() }
    private var adopted: [LogCollector] = []

    /// A swift-log logger writing here, tagged like vigil tags a plugin's logger.
    func logger(plugin: String?, camera: String?) -> Logger {
        var logger = Logger(label: "pluginkit") { _ in Handler(collector: self) }
        if let plugin { logger[metadataKey: "plugin.name"] = "\(plugin)" }
        if let camera { logger[metadataKey: "camera.id"] = "\(camera)" }
        return logger
    }

    /// The `PluginLogger` a plugin gets in its context, writing here.
    func pluginLogger(plugin: String, camera: String?) -> PluginLogger {
        var base: [String: String] = ["plugin.name": plugin]
        if let camera { base["camera.id"] = camera }
        let tags = base
        return PluginLogger { [self] level, message, metadata in
            add(LogLine(level: level, message: message, metadata: tags.merging(metadata) { _, new in new }))
        }
    }

    private struct Handler: LogHandler {
        let collector: LogCollector
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let level: PluginLogger.Level = switch event.level {
            case .trace, .debug: .debug
            case .info, .notice: .info
            case .warning: .warning
            case .error, .critical: .error
            }
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }.mapValues { "\($0)" }
            collector.add(LogLine(level: level, message: "\(event.message)", metadata: merged))
        }
    }
}
