import Foundation
import PluginAPI

@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "crashy", version: "0.0.1", makeDetector: { try Crashy(context: $0) })
    }
}

/// Misbehaves on purpose at frame `at_frame` (and on every later frame with `repeat`): `crash`
/// (an out-of-bounds index), `hang` (never returns), `leak` (keeps `leak_mb` more per frame, from
/// frame 0), `exit` (calls exit(0)). On other frames it returns one `crashy` event every 10th frame.
final class Crashy: Detector {
    struct Config: Codable {
        var mode = "crash"
        var atFrame = 20
        var `repeat` = false
        var leakMB = 64
    }

    let config: Config
    nonisolated(unsafe) static var kept: [[UInt8]] = []

    init(context: PluginContext) throws { config = try context.decodeConfig(defaults: Config()) }

    func process(_ frame: Frame) throws -> [Event] {
        if config.mode == "leak" {
            Self.kept.append([UInt8](repeating: 1, count: config.leakMB << 20))
        }
        let due = config.repeat ? frame.number >= config.atFrame : frame.number == config.atFrame
        if due {
            switch config.mode {
            case "crash":
                let small = [1, 2, 3]
                print("crashy: indexing out of bounds on frame \(frame.number)")
                _ = small[frame.number]
            case "hang":
                while true { Thread.sleep(forTimeInterval: 1) }
            case "exit":
                exit(0)
            default: break
            }
        }
        return frame.number % 10 == 0 ? [Event(type: "crashy", frame: frame, data: ["frame": .int(frame.number)])] : []
    }
}
