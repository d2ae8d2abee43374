import PluginAPI

/// The C entry symbol the host looks up (see PluginAPI's `exportPlugin`).
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "tracking", version: "0.1.0",
                         summary: "placeholder: loads and emits nothing until the tracking detector lands",
                         makeDetector: { try TrackingDetector(context: $0) })
    }
}

/// Placeholder detector: accepts its config and emits no events.
final class TrackingDetector: Detector {
    struct Config: Codable {}

    init(context: PluginContext) throws {
        _ = try context.decodeConfig(defaults: Config())
    }

    func process(_ frame: Frame) throws -> [Event] { [] }
}
