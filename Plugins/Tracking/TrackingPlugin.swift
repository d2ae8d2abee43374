import PluginAPI
import TrackingCore

/// The C entry symbol the host looks up (see PluginAPI's `exportPlugin`).
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "tracking", version: "1.0.0",
                         summary: "object detection (HOG, cascade, background subtraction or ONNX) and multi-object tracking with zones and line counts",
                         makeDetector: { try TrackingDetector(context: $0) })
    }
}
