import PluginAPI

/// The entry symbol vigil looks up: three lines.
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "brightness", version: "1.0.0", summary: "emits an event when a frame is brighter than a threshold",
                         makeDetector: { try BrightnessDetector(context: $0) })
    }
}

/// Emits a "brightness" event for every frame whose mean brightness is at least `threshold`.
final class BrightnessDetector: Detector {
    /// The plugin's config with its defaults; plugins.json keys are snake_case.
    struct Config: Codable {
        var threshold: Double = 128
        var sampleStep: Int = 8
    }

    private let config: Config

    init(context: PluginContext) throws {
        config = try context.decodeConfig(defaults: Config())
        guard config.sampleStep > 0 else { throw PluginError("\(context.configPath).sample_step: must be at least 1") }
    }

    func process(_ frame: Frame) throws -> [Event] {
        let image = frame.image
        var sum = 0, count = 0
        for y in stride(from: 0, to: image.height, by: config.sampleStep) {
            let row = image.row(y)
            for x in stride(from: 0, to: row.count, by: config.sampleStep * image.channels) {
                sum += Int(row[x]); count += 1
            }
        }
        let mean = count > 0 ? Double(sum) / Double(count) : 0
        guard mean >= config.threshold else { return [] }
        return [Event(type: "brightness", frame: frame, data: ["mean": .double(mean), "threshold": .double(config.threshold)])]
    }
}
