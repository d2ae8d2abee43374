import ANPREngine
import PluginAPI

/// The C entry symbol the host looks up (see PluginAPI's `exportPlugin`).
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "anpr", version: "1.0.0",
                         summary: "licence plates: localisation without a model, Tesseract OCR, fusion over frames, known plates",
                         makeDetector: { try ANPRDetector(context: $0) })
    }
}
