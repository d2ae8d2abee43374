import Foundation
import PluginAPI

@_cdecl("vigil_plugin_entry")
public func vigilPluginEntry(_ hostABI: UInt32, _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    exportPlugin(hostABI, out) {
        PluginDescriptor(name: "probe", version: "0.0.1", makeDetector: { try Probe(context: $0) })
    }
}

/// Reports what the host gives it (PluginAPI 1.1): one `probe` event per frame it is called on,
/// with the motion regions it sees, its zones and lines, and whether its state folder works.
/// Options make it misbehave: a wrong annotation, a slow call, emitting from a thread, emitting
/// after `finish()`.
final class Probe: SelectiveDetector {
    struct Config: Codable {
        var motionOnly = true
        var heartbeatSeconds: Double?
        var badAnnotation = false
        var sleepMS = 0
        var emitFromThread = false
        var emitAfterFinish = false
    }

    let config: Config
    let context: PluginContext
    private var threads: [Thread] = []

    init(context: PluginContext) throws {
        self.context = context
        config = try context.decodeConfig(defaults: Config())
        if let dir = context.stateDirectory {
            try "started\n".write(toFile: dir + "/probe.txt", atomically: true, encoding: .utf8)
        }
    }

    var frameInterest: FrameInterest {
        guard config.motionOnly else { return .everyFrame }
        return config.heartbeatSeconds.map { .motion(atLeastEvery: $0) } ?? .motion
    }

    func process(_ frame: Frame) throws -> [Event] {
        if config.sleepMS > 0 { Thread.sleep(forTimeInterval: Double(config.sleepMS) / 1000) }
        if config.badAnnotation, frame.number % 2 == 0 { try frame.annotations.set(FrameAnnotations.motionRegionsKey, "moving") }
        try frame.annotations.set("probe.seen", .int(frame.number))
        let event = Event(type: "probe", frame: frame, data: [
            "regions": .int(frame.annotations.motion?.boxes.count ?? -1),
            "calibrating": .bool(frame.annotations.motion?.calibrating ?? false),
            "zones": .array(context.zones.map { .string($0.name) }),
            "lines": .array(context.lines.map { .string($0.name) }),
            "state_dir": context.stateDirectory.map { .string($0) } ?? .null,
        ])
        if config.emitFromThread, let emitter = context.emitter {
            let thread = Thread { _ = emitter.emit(Event(type: "probe-async", frame: frame, data: ["frame": .int(frame.number)])) }
            threads.append(thread)
            thread.start()
            return []
        }
        return [event]
    }

    func finish() -> [Event] {
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
        if config.emitAfterFinish, let emitter = context.emitter {
            let camera = context.cameraID ?? ""
            Thread {
                Thread.sleep(forTimeInterval: 0.3)
                _ = emitter.emit(Event(type: "probe-late", cameraID: camera, frameNumber: 0,
                                       timestamp: Timestamp(secondsSince1970: 1_700_000_000), data: [:]))
            }.start()
        }
        return []
    }
}
