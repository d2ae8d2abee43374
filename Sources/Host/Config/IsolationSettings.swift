import PluginAPI

/// Where a plugin entry runs, and how the host watches it when it runs in a worker process
/// (`isolation`, `max_memory_mb`, `hang_timeout_ms`, `max_restarts`, `restart_window_s` on a
/// `detectors[]` or `sinks[]` entry).
package struct IsolationSettings: Sendable, Equatable {
    /// In the host process (the default, the fastest), or in a `vigil plugin-worker` child.
    package enum Mode: String, Sendable, Equatable {
        case inProcess = "in-process"
        case process
    }

    package var mode: Mode = .inProcess
    /// The worker's data limit (setrlimit RLIMIT_DATA), MiB; nil: no limit.
    package var maxMemoryMB: Int?
    /// A call the worker does not answer within this long (or a worker silent for this long) is a
    /// hang: the worker is killed and restarted. Default 5 s for detectors, 60 s for sinks.
    package var hangTimeoutMS: Double
    /// More failures than this within `restartWindowSeconds` disable the plugin.
    package var maxRestarts: Int = 5
    /// The window over which failures are counted, seconds.
    package var restartWindowSeconds: Double = 60

    package init(mode: Mode = .inProcess, maxMemoryMB: Int? = nil, hangTimeoutMS: Double = 5000, maxRestarts: Int = 5,
                 restartWindowSeconds: Double = 60) {
        self.mode = mode; self.maxMemoryMB = maxMemoryMB; self.hangTimeoutMS = hangTimeoutMS
        self.maxRestarts = maxRestarts; self.restartWindowSeconds = restartWindowSeconds
    }

    /// True when the plugin runs in a worker process.
    package var isolated: Bool { mode == .process }

    /// Reads the isolation keys of one entry; `sink` picks the default hang timeout.
    static func read(_ entry: inout ConfigReader, sink: Bool, warnings: inout [String]) throws -> IsolationSettings {
        let text = try entry.optionalString("isolation") ?? Mode.inProcess.rawValue
        guard let mode = Mode(rawValue: text) else {
            throw entry.error("isolation", "expected \"in-process\" or \"process\", found \"\(text)\"")
        }
        var settings = IsolationSettings(mode: mode, hangTimeoutMS: sink ? 60_000 : 5000)
        settings.maxMemoryMB = try entry.number("max_memory_mb", default: nil, range: 16...1_048_576).map { Int($0) }
        settings.hangTimeoutMS = try entry.number("hang_timeout_ms", default: settings.hangTimeoutMS, range: 10...3_600_000)
            ?? settings.hangTimeoutMS
        settings.maxRestarts = try entry.int("max_restarts", default: 5, range: 0...10_000)
        settings.restartWindowSeconds = try entry.number("restart_window_s", default: 60, range: 1...86_400) ?? 60
        if mode == .inProcess {
            let given = ["max_memory_mb", "hang_timeout_ms", "max_restarts", "restart_window_s"].filter { entry.has($0) }
            warnings += given.map { "\(entry.file): \(entry.childPath($0)): only used with \"isolation\": \"process\" (ignored)" }
        }
        return settings
    }
}

extension CameraConfig {
    /// A camera as a plugin worker knows it: its id, zones and lines.
    package init(worker id: String, zones: [Zone], lines: [CountingLine]) {
        self.init(id: id, source: "", detectFPS: nil, loop: false, realtime: false, detectors: [], maxEventsPerSecond: nil,
                  zones: zones, lines: lines, path: "")
    }
}

extension PluginEntry {
    /// An entry as a plugin worker gets it: name, library, config and its place in plugins.json.
    package init(name: String, library: String, config: JSONValue, path: String, delivery: JSONValue) {
        self.name = name; self.library = library; self.config = config; self.path = path; self.delivery = delivery
    }
}
