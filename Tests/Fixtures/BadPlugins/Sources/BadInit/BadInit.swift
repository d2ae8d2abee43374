import PluginAPI

@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "bad-init", version: "0.0.1", makeDetector: { context in
            throw PluginError("\(context.configPath).threshold: must be positive")
        })
    }
}
