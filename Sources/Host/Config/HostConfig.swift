import Foundation
import PluginAPI

/// One camera from plugins.json.
package struct CameraConfig: Sendable, Equatable {
    /// Unique id, e.g. "camera-01"; becomes `camera_id` on events.
    package let id: String
    /// A video file, an rtsp:// or http(s):// URL, a folder of images or a glob.
    package let source: String
    /// Frames per second given to detectors; nil gives every frame.
    package let detectFPS: Double?
    /// Start a file again at its end.
    package let loop: Bool
    /// Pace a file at its own frame rate, as a live camera would deliver it.
    package let realtime: Bool
    /// Names of the detector instances that see this camera's frames.
    package let detectors: [String]
    /// At most this many events per second leave the camera (token bucket, burst = rate); nil: no limit.
    package let maxEventsPerSecond: Double?
    /// Named areas of the picture, handed to every detector of the camera.
    package var zones: [Zone] = []
    /// Counting lines, handed to every detector of the camera.
    package var lines: [CountingLine] = []
    /// Where it is in plugins.json, e.g. `cameras[0]`.
    let path: String
}

/// A detector or sink instance from plugins.json.
package struct PluginEntry: Sendable, Equatable {
    /// Instance name, unique among detectors (or sinks); cameras refer to detectors by it.
    package let name: String
    /// The .so file: absolute, or relative to `plugin_dir`.
    package let library: String
    /// The `config` object handed to the plugin.
    package let config: JSONValue
    /// Where it is in plugins.json, e.g. `detectors[1]`.
    package let path: String
    /// Host-side delivery settings (sinks only).
    package let delivery: JSONValue
    /// A `process` call taking longer is logged and counted (detectors only; nil: no deadline).
    package var maxProcessMS: Double? = nil
}

/// plugins.json: cameras, detectors, sinks and where plugin libraries live.
package struct HostConfig: Sendable {
    /// The file it was read from.
    package let file: String
    /// The file's folder: relative paths inside it (sources, plugin_dir, dead-letter files) resolve here.
    package let baseDir: String
    /// Folder that relative `library` paths are resolved in.
    package let pluginDir: String
    package let cameras: [CameraConfig]
    package let detectors: [PluginEntry]
    package let sinks: [PluginEntry]
    /// Unknown keys and other things worth a warning, one line each.
    package let warnings: [String]

    /// Reads and validates `path`. Relative paths inside resolve against the file's folder.
    package static func load(path: String, environment: [String: String]) throws -> HostConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw ConfigError(file: path, path: "", message: "the configuration file \(why) (set VIGIL_CONFIG to choose another)")
        }
        let baseDir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(String(decoding: data, as: UTF8.self), file: path, baseDir: baseDir, environment: environment)
    }

    package static func parse(_ text: String, file: String, baseDir: String, environment: [String: String]) throws -> HostConfig {
        let json: JSONValue
        do { json = try JSONValue(parsing: text) } catch let error as JSONParseError {
            throw ConfigError(file: file, path: "", message: "malformed JSON at \(error)")
        }
        var root = try ConfigReader(json, file: file, path: "", environment: environment)
        var warnings: [String] = []

        let pluginDir = try root.optionalString("plugin_dir").map { resolve($0, in: baseDir) }
            ?? environment["VIGIL_PLUGIN_DIR"] ?? executableDirectory()

        let detectors = try entries(&root, key: "detectors", warnings: &warnings)
        let sinks = try entries(&root, key: "sinks", warnings: &warnings)
        let detectorNames = Set(detectors.map(\.name))

        var cameras: [CameraConfig] = []
        var seen: [String: String] = [:]
        for (i, value) in try root.array("cameras").enumerated() {
            var cam = try root.reader(value, path: "cameras[\(i)]")
            let id = try cam.string("id")
            guard CameraIDRule.isValid(id) else { throw cam.error("id", "expected \(CameraIDRule.description), found \"\(id)\"") }
            if let first = seen[id] {
                throw cam.error("id", "duplicate camera id \"\(id)\" (already used by \(first))")
            }
            seen[id] = cam.path
            let source = try cam.string("source")
            let names = try cam.strings("detectors")
            for (j, name) in names.enumerated() where !detectorNames.contains(name) {
                throw ConfigError(file: file, path: "\(cam.path).detectors[\(j)]",
                                  message: "no detector named \"\(name)\" in detectors (have: \(detectorNames.sorted().joined(separator: ", ")))")
            }
            cameras.append(CameraConfig(
                id: id, source: looksLikeURL(source) ? source : resolve(source, in: baseDir),
                detectFPS: try cam.number("detect_fps", default: nil, range: 0.01...1000),
                loop: try cam.bool("loop", default: false),
                realtime: try cam.bool("realtime", default: false),
                detectors: names,
                maxEventsPerSecond: try cam.number("max_events_per_second", default: nil, range: 0.001...1_000_000),
                zones: try CameraGeometry.zones(&cam), lines: try CameraGeometry.lines(&cam),
                path: cam.path))
            if try !cam.bool("enabled", default: true) { cameras.removeLast() }
            warnings += cam.unknownKeys().map { "\(file): \($0): unknown key (ignored)" }
        }
        warnings += root.unknownKeys().map { "\(file): \($0): unknown key (ignored)" }
        return HostConfig(file: file, baseDir: baseDir, pluginDir: pluginDir, cameras: cameras, detectors: detectors,
                          sinks: sinks, warnings: warnings)
    }

    private static func entries(_ root: inout ConfigReader, key: String, warnings: inout [String]) throws -> [PluginEntry] {
        var result: [PluginEntry] = []
        var seen: [String: String] = [:]
        for (i, value) in try root.array(key).enumerated() {
            var entry = try root.reader(value, path: "\(key)[\(i)]")
            let name = try entry.string("name")
            if let first = seen[name] { throw entry.error("name", "duplicate name \"\(name)\" (already used by \(first))") }
            seen[name] = entry.path
            let library = try entry.string("library")
            let config = entry.value("config") ?? .object([])
            guard case .object = config else { throw entry.error("config", "expected an object, found \(config.typeName)") }
            let delivery = key == "sinks" ? (entry.value("delivery") ?? .object([])) : .null
            let maxProcessMS = key == "detectors" ? try entry.number("max_process_ms", default: nil, range: 0.1...3_600_000) : nil
            let enabled = try entry.bool("enabled", default: true)
            warnings += entry.unknownKeys().map { "\(root.file): \($0): unknown key (ignored)" }
            if enabled {
                result.append(PluginEntry(name: name, library: library, config: config, path: entry.path, delivery: delivery,
                                          maxProcessMS: maxProcessMS))
            }
        }
        return result
    }

    package static func looksLikeURL(_ s: String) -> Bool { s.contains("://") }

    /// `path` made absolute against the working directory.
    package static func absolute(_ path: String) -> String { resolve(path, in: FileManager.default.currentDirectoryPath) }

    package static func resolve(_ path: String, in base: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: base).appendingPathComponent(path).standardized.path
    }

    /// The folder of the running executable: where SwiftPM puts the plugin .so files too.
    package static func executableDirectory() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }
}
