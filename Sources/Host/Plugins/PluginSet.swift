import Logging
import PluginAPI
import VigilConfig

/// A plugin instance entry from plugins.json whose library loaded.
package struct LoadedPlugin: Sendable {
    package let entry: PluginEntry
    package let library: PluginLibrary
    package var descriptor: PluginDescriptor { library.descriptor }
}

/// A plugin problem tied to its place in plugins.json.
package struct PluginSetError: Error, CustomStringConvertible {
    let file: String
    let entry: PluginEntry
    let reason: String
    package var description: String { "\(file): \(entry.path) (\(entry.name)): \(reason)" }
}

/// Every detector and sink library named in plugins.json, loaded once.
package struct PluginSet: Sendable {
    package let detectors: [String: LoadedPlugin]
    package let sinks: [LoadedPlugin]
    /// Entries that failed to load, with the reason (the rest still work).
    package let failures: [PluginSetError]
    /// Libraries that loaded but deserve a word (built by another Swift toolchain).
    package let warnings: [PluginSetError]

    /// Loads every library; failures are collected, not thrown, so one bad .so does not stop the rest.
    package static func load(_ config: HostConfig) -> PluginSet {
        var failures: [PluginSetError] = []
        var warnings: [PluginSetError] = []
        func load(_ entry: PluginEntry, _ kind: PluginKind) -> LoadedPlugin? {
            let path = HostConfig.resolve(entry.library, in: config.pluginDir)
            do {
                let library = try PluginLibrary.load(path: path, expecting: kind)
                if library.toolchainDiffers {
                    warnings.append(PluginSetError(file: config.file, entry: entry, reason:
                        "\(path) was built by \"\(library.toolchain ?? "?")\", this vigil by \"\(ELFCheck.hostToolchain ?? "?")\": "
                        + "rebuild the plugin with vigil's Swift toolchain (Swift has no stable ABI on Linux; it may crash)"))
                }
                return LoadedPlugin(entry: entry, library: library)
            } catch {
                failures.append(PluginSetError(file: config.file, entry: entry, reason: "\(error)"))
                return nil
            }
        }
        var detectors: [String: LoadedPlugin] = [:]
        for entry in config.detectors { detectors[entry.name] = load(entry, .detector) }
        let sinks = config.sinks.compactMap { load($0, .sink) }
        return PluginSet(detectors: detectors, sinks: sinks, failures: failures, warnings: warnings)
    }

    /// Creates a detector instance for one camera (nil: a check without a camera); a rejected
    /// config names the JSON path.
    package func makeDetector(_ plugin: LoadedPlugin, camera: CameraConfig?, emitter: EventEmitter? = nil,
                      environment: PluginEnvironment = PluginEnvironment(), file: String, logger: Logger) throws -> any Detector {
        var context = Self.context(plugin, cameraID: camera?.id, logger: logger)
        context.zones = camera?.zones ?? []
        context.lines = camera?.lines ?? []
        context.emitter = emitter
        context.snapshots = environment.snapshots
        context.store = environment.store
        context.stateDirectory = environment.stateDirectory(for: plugin.entry.name, camera: camera?.id, logger: logger)
        do { return try plugin.descriptor.makeDetector(context) } catch {
            throw PluginSetError(file: file, entry: plugin.entry, reason: "the plugin rejected its config: \(error)")
        }
    }

    /// Creates a sink instance; a rejected config names the JSON path.
    package func makeSink(_ plugin: LoadedPlugin, environment: PluginEnvironment = PluginEnvironment(), file: String,
                  logger: Logger) throws -> any Sink {
        var context = Self.context(plugin, cameraID: nil, logger: logger)
        context.snapshots = environment.snapshots
        context.store = environment.store
        context.stateDirectory = environment.stateDirectory(for: plugin.entry.name, camera: nil, logger: logger)
        do { return try plugin.descriptor.makeSink(context) } catch {
            throw PluginSetError(file: file, entry: plugin.entry, reason: "the plugin rejected its config: \(error)")
        }
    }

    private static func context(_ plugin: LoadedPlugin, cameraID: String?, logger: Logger) -> PluginContext {
        var tagged = logger
        tagged[metadataKey: "plugin.name"] = "\(plugin.entry.name)"
        if let cameraID { tagged[metadataKey: "camera.id"] = "\(cameraID)" }
        let log = tagged
        return PluginContext(
            name: plugin.entry.name, cameraID: cameraID, config: plugin.entry.config,
            configPath: "\(plugin.entry.path).config",
            logger: PluginLogger { level, message, metadata in
                let meta = metadata.mapValues { Logger.MetadataValue.string($0) }
                switch level {
                case .debug: log.debug("\(message)", metadata: meta)
                case .info: log.info("\(message)", metadata: meta)
                case .warning: log.warning("\(message)", metadata: meta)
                case .error: log.error("\(message)", metadata: meta)
                }
            })
    }
}
