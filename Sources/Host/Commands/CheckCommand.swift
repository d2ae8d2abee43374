import ArgumentParser
import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPlugins
import VigilSinks
import VigilSupport

/// `vigil check`: validates the configuration and loads every plugin.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration, load every plugin, print one line per plugin.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let logger = LogSetup.rootLogger()
        do {
            let report = try Self.check(settings: try options.settings(), logger: logger)
            report.warnings.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
            report.lines.forEach { print($0) }
            guard report.errors.isEmpty else {
                report.errors.forEach { FileHandle.standardError.write(Data("error: \($0)\n".utf8)) }
                throw ExitCode.failure
            }
            print("ok: \(report.lines.count) plugins, \(report.cameras) cameras")
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
    }

    /// Loads config and plugins and creates every instance once, collecting every problem.
    static func check(settings: Settings, logger: Logger) throws -> Report {
        let config = try HostConfig.load(path: settings.configPath, environment: settings.environment)
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
        for plugin in plugins.sinks {
            do {
                _ = try DeliveryPolicy.read(plugin.entry, in: config, environment: settings.environment)
                _ = try plugins.makeSink(plugin, file: config.file, logger: logger)
                report.lines.append(line(plugin))
            } catch { report.errors.append("\(error)") }
        }
        return report
    }

    static func line(_ p: LoadedPlugin) -> String {
        let d = p.descriptor
        return "\(p.entry.name) kind=\(d.kind.rawValue) plugin=\(d.name) version=\(d.version) abi=\(p.library.abi) library=\(p.library.path)"
    }
}
