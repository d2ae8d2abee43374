import PluginAPI

/// The C entry symbol the host looks up (see PluginAPI's `exportPlugin`).
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "motion", version: "1.0.0",
                         summary: "motion detection (Frigate-class, OpenCV) with start/ongoing/end events",
                         makeDetector: { try MotionDetector(context: $0) })
    }
}
