import Foundation
import PluginAPI

/// One detector instance inside the worker: reads its socket on its own thread (frames in order,
/// never concurrently), runs the plugin, answers with the events and the annotations it left.
///
/// A frame's pixels are vigil's shared memory, mapped read-only. vigil keeps the frame until the
/// plugin is done with it: the answer says whether the plugin still holds the image (`kept`),
/// and a `release` message follows when it lets go.
final class WorkerDetector: @unchecked Sendable {
    let id: Int
    let camera: String
    let channel: WireChannel
    unowned let worker: PluginWorker
    var detector: (any Detector)?
    private let lock = NSLock()
    /// Frames whose image is alive, by pixel address; and those answered as kept.
    private var live: [UnsafeRawPointer: Int] = [:]
    private var kept: Set<Int> = []

    init(id: Int, camera: String, channel: WireChannel, worker: PluginWorker) {
        self.id = id; self.camera = camera; self.channel = channel; self.worker = worker
    }

    /// Events the plugin emits on its own go to vigil over the control socket.
    var emitter: EventEmitter {
        EventEmitter { [weak self] events in
            guard let self else { return false }
            var blob: [UInt8] = []
            let json = WireEvents.encode(events, blob: &blob, frameSeq: frameSeq)
            try? worker.control.send(WireMessage(["t": "emit", "instance": .int(id), "events": json], blob: blob))
            return true
        }
    }

    func run() {
        while true {
            let m: WireMessage
            do { m = try channel.receive() } catch { return }
            switch m.type {
            case "map":
                do {
                    try worker.mappings.add(pool: m["pool"]?.intValue ?? -1, generation: m["generation"]?.intValue ?? -1,
                                            size: m["size"]?.intValue ?? 0, fd: m.fds.first ?? -1)
                } catch {
                    // The frame that needs it answers with an error; say why here.
                    worker.forward(instance: id, level: .error, message: "Frame memory not mapped", metadata: ["error": "\(error)"])
                }
            case "frame":
                let seq = m["seq"]?.intValue ?? 0
                var (header, blob) = frame(m, seq: seq)
                // The frame's locals are gone: if the image lives on, the plugin kept it.
                lock.lock()
                let stillAlive = live.values.contains(seq)
                if stillAlive { kept.insert(seq) }
                lock.unlock()
                if case .object(var members) = header { members.append(("kept", .bool(stillAlive))); header = .object(members) }
                try? channel.send(WireMessage(header, blob: blob))
            case "finish":
                var blob: [UInt8] = []
                let events = detector?.finish() ?? []
                let json = WireEvents.encode(events, blob: &blob, frameSeq: frameSeq)
                try? channel.send(WireMessage(["t": "finished", "events": json], blob: blob))
            default:
                try? channel.send(WireMessage(["t": "result", "error": .string("unknown request \"\(m.type)\"")]))
            }
        }
    }

    private func frameSeq(_ image: Image) -> Int? {
        lock.lock(); defer { lock.unlock() }
        return live[image.baseAddress]
    }

    /// Runs one frame; everything made here (frame, image, events) is released on return.
    private func frame(_ m: WireMessage, seq: Int) -> (JSONValue, [UInt8]) {
        guard let detector else { return (["t": "result", "seq": .int(seq), "error": "no detector"], []) }
        guard let w = m["width"]?.intValue, let h = m["height"]?.intValue, let stride = m["stride"]?.intValue,
              let format = m["format"]?.intValue.flatMap(Image.PixelFormat.init(rawValue:)),
              let base = worker.mappings.address(pool: m["pool"]?.intValue ?? -1, generation: m["generation"]?.intValue ?? -1,
                                                 offset: m["offset"]?.intValue ?? -1, bytes: stride * h) else {
            return (["t": "result", "seq": .int(seq), "error": "frame outside the shared frame memory"], [])
        }
        lock.lock(); live[base] = seq; lock.unlock()
        nonisolated(unsafe) let address = base
        let image = Image(width: w, height: h, bytesPerRow: stride, format: format, baseAddress: base,
                          release: { [weak self] in self?.released(address, seq: seq) })
        let annotations: FrameAnnotations
        do { annotations = try FrameAnnotations(json: m["annotations"] ?? .object([])) } catch {
            return (["t": "result", "seq": .int(seq), "error": .string("\(error)")], [])
        }
        let before = annotations.json
        let frame = Frame(cameraID: camera, number: m["number"]?.intValue ?? 0,
                          timestamp: Timestamp(microsecondsSince1970: Int64(m["timestamp_us"]?.intValue ?? 0)),
                          image: image, annotations: annotations)
        var blob: [UInt8] = []
        var header: [(String, JSONValue)] = [("t", "result"), ("seq", .int(seq))]
        do {
            let events = try detector.process(frame)
            header.append(("events", WireEvents.encode(events, blob: &blob, frameSeq: frameSeq)))
        } catch {
            header.append(("error", .string("\(error)")))
        }
        let after = annotations.json
        if after != before { header.append(("annotations", after)) }
        return (.object(header), blob)
    }

    /// The plugin let go of a frame's image: tell vigil if it was answered as kept.
    private func released(_ base: UnsafeRawPointer, seq: Int) {
        lock.lock()
        if live[base] == seq { live[base] = nil }
        let tell = kept.remove(seq) != nil
        lock.unlock()
        if tell { try? worker.control.send(WireMessage(["t": "release", "instance": .int(id), "seq": .int(seq)])) }
    }
}
