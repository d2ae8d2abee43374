import PluginAPI

@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        // Crashes while the host loads it: an out-of-bounds index in the entry point.
        let parts = ["crash", "at", "load"]
        return PluginDescriptor(name: parts[Int(hostABI) + 5], version: "0.0.1", makeDetector: { _ in fatalError("unreachable") })
    }
}
