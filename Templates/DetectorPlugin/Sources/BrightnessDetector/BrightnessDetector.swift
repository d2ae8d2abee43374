import PluginAPI

/// The entry symbol vigil looks up: three lines.
@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "brightness", version: "1.1.0", summary: "emits an event when a frame is brighter than a threshold",
                         makeDetector: { try BrightnessDetector(context: $0) })
    }
}

/// Emits a "brightness" event for every frame whose mean brightness is at least `threshold`.
/// With `motion_only`, vigil gives it only frames on which a motion detector earlier in the
/// camera's chain found motion, and it measures inside the moving areas only.
final class BrightnessDetector: SelectiveDetector {
    /// The plugin's config with its defaults; plugins.json keys are snake_case.
    struct Config: Codable {
        var threshold: Double = 128
        var sampleStep: Int = 8
        var motionOnly = false
    }

    private let config: Config

    init(context: PluginContext) throws {
        config = try context.decodeConfig(defaults: Config())
        guard config.sampleStep > 0 else { throw PluginError("\(context.configPath).sample_step: must be at least 1") }
    }

    var frameInterest: FrameInterest { config.motionOnly ? .motion : .everyFrame }

    func process(_ frame: Frame) throws -> [Event] {
        let image = frame.image
        let areas = frame.annotations.motion?.boxes ?? []
        let regions = areas.isEmpty ? [(0, 0, image.width, image.height)] : areas.map { $0.pixels(frameWidth: image.width, frameHeight: image.height) }
        var sum = 0, count = 0
        for (x0, y0, w, h) in regions {
            for y in stride(from: y0, to: y0 + h, by: config.sampleStep) {
                let row = image.row(y)
                for x in stride(from: x0 * image.channels, to: (x0 + w) * image.channels, by: config.sampleStep * image.channels) {
                    sum += Int(row[x]); count += 1
                }
            }
        }
        let mean = count > 0 ? Double(sum) / Double(count) : 0
        guard mean >= config.threshold else { return [] }
        return [Event(type: "brightness", frame: frame, data: ["mean": .double(mean), "threshold": .double(config.threshold)])]
    }
}
