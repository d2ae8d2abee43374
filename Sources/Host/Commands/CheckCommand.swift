import ArgumentParser
import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilIsolation
import VigilPlugins
import VigilSinks
import VigilSupport

/// `vigil check`: validates the settings (every environment variable, each bad value named),
/// the configuration, and loads every plugin.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration, load every plugin, print one line per plugin.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        do {
            let settings = try options.settings()
            let report = try Self.check(settings: settings, logger: LogSetup.rootLogger(level: settings.logLevel))
            report.warnings.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
            report.lines.forEach { print($0) }
            guard report.errors.isEmpty else {
                report.errors.forEach { FileHandle.standardError.write(Data("error: \($0)\n".utf8)) }
                throw ExitCode.failure
            }
            print("ok: \(report.lines.count) plugins, \(report.cameras) cameras")
        } catch let error as SettingsError {
            error.problems.forEach { FileHandle.standardError.write(Data("error: \($0)\n".utf8)) }
            throw ExitCode.failure
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    struct Report {
        var lines: [String] = []
        var warnings: [String] = []
        var errors: [String] = []
        var cameras = 0

        /// The line of an entry loaded in a worker (what the worker said in answer to hello).
        mutating func append(_ s: WorkerSupervisor, entry: PluginEntry, kind: PluginKind, file: String) {
            let i = s.info
            lines.append("\(entry.name) kind=\(kind.rawValue) plugin=\(i?["plugin"]?.stringValue ?? "?") "
                + "version=\(i?["version"]?.stringValue ?? "?") abi=\(i?["abi"]?.intValue ?? 0) "
                + "library=\(i?["library"]?.stringValue ?? entry.library) isolation=process")
            if i?["toolchain_differs"]?.boolValue == true {
                warnings.append("\(file): \(entry.path) (\(entry.name)): built by \"\(i?["toolchain"]?.stringValue ?? "?")\", "
                    + "not this vigil's toolchain: rebuild the plugin with vigil's Swift toolchain")
            }
        }
    }

    /// Loads config and plugins and creates every instance once, collecting every problem.
    static func check(settings: Settings, logger: Logger) throws -> Report {
        let config = try HostConfig.load(settings: settings)
        let plugins = PluginSet.load(config)
        var report = Report(warnings: config.warnings + plugins.warnings.map(\.description),
                            errors: plugins.failures.map(\.description), cameras: config.cameras.count)
        for entry in config.detectors {
            guard let plugin = plugins.detectors[entry.name] else { continue }
            let cameras = config.cameras.filter { $0.detectors.contains(entry.name) }
            do {
                for camera in cameras.isEmpty ? [nil] : cameras.map(Optional.some) {
                    _ = try plugins.makeDetector(plugin, camera: camera, file: config.file, logger: logger)
                }
                report.lines.append(line(plugin))
            } catch { report.errors.append("\(error)") }
        }
        checkIsolated(config: config, plugins: plugins, settings: settings, logger: logger, into: &report)
        for plugin in plugins.sinks {
            do {
                _ = try DeliveryPolicy.read(plugin.entry, in: config, environment: settings.environment,
                                            deadLetterDir: settings.deadLetterDir)
                _ = try plugins.makeSink(plugin, file: config.file, logger: logger)
                report.lines.append(line(plugin))
            } catch { report.errors.append("\(error)") }
        }
        return report
    }

    /// `"isolation": "process"` entries are loaded in a worker, as `vigil run` would: a plugin that
    /// crashes while loading is reported with the signal, and the check goes on.
    static func checkIsolated(config: HostConfig, plugins: PluginSet, settings: Settings, logger: Logger, into report: inout Report) {
        var launch = WorkerSupervisor.Launch()
        launch.restarts = false
        let isolated = IsolatedPlugins(config: config, launch: launch, logger: logger)
        for entry in config.detectors where plugins.isolatedDetectors[entry.name] != nil {
            let cameras = config.cameras.filter { $0.detectors.contains(entry.name) }
            do {
                let supervisor = try isolated.supervisor(for: entry, kind: .detector)
                // Every camera's instance first (the worker stops with its last instance), then finish them.
                let instances = try (cameras.isEmpty ? [CameraConfig(worker: "check", zones: [], lines: [])] : cameras).map {
                    try IsolatedDetector.make(supervisor: supervisor, camera: $0, emitter: nil, pool: nil, logger: logger)
                }
                instances.forEach { _ = $0.finish() }
                supervisor.stop()
                report.append(supervisor, entry: entry, kind: .detector, file: config.file)
            } catch { report.errors.append("\(error)") }
        }
        for entry in plugins.isolatedSinks {
            do {
                _ = try DeliveryPolicy.read(entry, in: config, environment: settings.environment)
                let supervisor = try isolated.supervisor(for: entry, kind: .sink)
                _ = try IsolatedSink.make(supervisor: supervisor, logger: logger)
                supervisor.stop()
                report.append(supervisor, entry: entry, kind: .sink, file: config.file)
            } catch { report.errors.append("\(error)") }
        }
    }

    static func line(_ p: LoadedPlugin) -> String {
        let d = p.descriptor
        return "\(p.entry.name) kind=\(d.kind.rawValue) plugin=\(d.name) version=\(d.version) abi=\(p.library.abi) library=\(p.library.path)"
    }
}
