import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPlugins

/// The worker supervisors of a configuration's `"isolation": "process"` entries: one worker per
/// entry, serving all of that entry's instances, started on first use.
package final class IsolatedPlugins: @unchecked Sendable {
    private let config: HostConfig
    private let launch: WorkerSupervisor.Launch
    private let logger: Logger
    private let lock = NSLock()
    private var supervisors: [String: WorkerSupervisor] = [:]
    private var failures: [String: any Error] = [:]

    package init(config: HostConfig, launch: WorkerSupervisor.Launch, logger: Logger) {
        self.config = config; self.launch = launch; self.logger = logger
    }

    /// The running supervisor of `entry` (started now if needed); throws what stopped it from
    /// starting, naming the entry as a plugin load error would.
    package func supervisor(for entry: PluginEntry, kind: PluginKind) throws -> WorkerSupervisor {
        let key = "\(kind.rawValue)/\(entry.name)"
        lock.lock(); defer { lock.unlock() }
        if let s = supervisors[key] { return s }
        if let e = failures[key] { throw e }
        var launch = self.launch
        launch.file = config.file
        let supervisor = WorkerSupervisor(entry: entry, kind: kind, libraryPath: HostConfig.resolve(entry.library, in: config.pluginDir),
                                          launch: launch, logger: logger)
        do {
            try supervisor.start()
        } catch {
            let wrapped = PluginSetError(file: config.file, entry: entry, reason: "\(error)")
            failures[key] = wrapped
            throw wrapped
        }
        supervisors[key] = supervisor
        return supervisor
    }

    /// Every supervisor started so far.
    package var all: [WorkerSupervisor] { lock.lock(); defer { lock.unlock() }; return Array(supervisors.values) }
}

extension WorkerSupervisor.Launch {
    /// Sink workers: the state folder (sinks get no snapshots folder, as in-process).
    package static func sinks(_ settings: Settings) -> WorkerSupervisor.Launch {
        var launch = WorkerSupervisor.Launch()
        launch.stateRoot = HostConfig.absolute(settings.stateDir)
        return launch
    }
}
