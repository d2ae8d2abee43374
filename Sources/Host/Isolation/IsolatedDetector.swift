import Foundation
import Logging
import PluginAPI
import VigilConfig

/// A detector that runs in a worker process, as the camera's chain sees it: `process` sends the
/// frame (its place in shared memory, its annotations) over the instance's own socket and waits
/// for the events and the annotations the plugin left, which are applied to the frame for the
/// detectors after it. While the worker is down, restarting or disabled, frames are skipped and
/// counted, never queued. A call unanswered within `hang_timeout_ms` kills the worker (a hang).
package class IsolatedDetector: Detector, IsolationReporting, WorkerInstance, @unchecked Sendable {
    let supervisor: WorkerSupervisor
    let camera: CameraConfig
    let instanceID: Int
    let emitter: EventEmitter?
    let logger: Logger
    /// The camera's decode pool (frames already in shared memory), if it has one.
    let cameraPool: FramePool?
    /// Frames from elsewhere are copied here (one copy).
    private let copies: FramePool
    private let lock = NSLock()
    private var channel: WireChannel?
    private var mapped: Set<String> = []
    private var counters = IsolationCounters()
    private var seq = 0
    private var pinned: [Int: Image] = [:]
    private var releasedEarly: Set<Int> = []
    /// Last in its camera's chain (no detector after it reads its annotations): runs one frame
    /// behind, overlapping the camera's decoding; its events come out with the next frame.
    let pipelined: Bool
    private var inFlight: Sent?

    init(supervisor: WorkerSupervisor, camera: CameraConfig, emitter: EventEmitter?, pool: FramePool?, pipelined: Bool,
         logger: Logger) {
        self.supervisor = supervisor; self.camera = camera; self.emitter = emitter; self.cameraPool = pool
        self.pipelined = pipelined
        instanceID = supervisor.makeID()
        copies = FramePool(name: "copy-\(camera.id)", maxSlots: 8)
        var logger = logger
        logger[metadataKey: "plugin.name"] = "\(supervisor.entry.name)"
        logger[metadataKey: "camera.id"] = "\(camera.id)"
        self.logger = logger
    }

    /// Opens the instance in the entry's worker; the result conforms to `SelectiveDetector` when
    /// the plugin does. Throws when the plugin refuses its config.
    /// `pipelined`: the detector is last in its camera's chain (see `pipelined`).
    package static func make(supervisor: WorkerSupervisor, camera: CameraConfig, emitter: EventEmitter?, pool: FramePool?,
                             pipelined: Bool = false, logger: Logger) throws -> any Detector {
        let proxy = IsolatedDetector(supervisor: supervisor, camera: camera, emitter: emitter, pool: pool, pipelined: pipelined,
                                     logger: logger)
        guard let reply = try supervisor.register(proxy), reply["selective"]?.boolValue == true else { return proxy }
        let interest: FrameInterest = reply["motion_only"]?.boolValue != true ? .everyFrame
            : reply["heartbeat_s"]?.doubleValue.map { .motion(atLeastEvery: $0) } ?? .motion
        return IsolatedSelectiveDetector(proxy, interest: interest)
    }

    /// How long a camera thread polls for the worker's answer before sleeping on it: most
    /// answers come within this, and a sleeping thread's wake-up costs tens of µs on a VM.
    static let spin = 0.0002

    package var isolationCounters: IsolationCounters {
        lock.lock(); defer { lock.unlock() }
        var c = counters
        c.pid = channel == nil ? nil : supervisor.pid
        return c
    }

    package func process(_ frame: Frame) throws -> [Event] {
        guard pipelined else {
            guard let sent = send(frame) else { return [] }
            return try collect(sent, annotations: frame.annotations)
        }
        // One frame in flight: hand this one over, then take the answer to the one before (long
        // there by now), so the worker runs while the camera decodes the next frame.
        let previous = inFlight
        inFlight = send(frame)
        return try previous.map { try collect($0, annotations: nil) } ?? []
    }

    /// A frame handed to the worker, waiting for its answer.
    struct Sent {
        let seq: Int
        let number: Int
        /// The image in shared memory (pinned while the plugin keeps it) and the camera's own.
        let shared: Image
        let original: Image
        let channel: WireChannel
    }

    private func send(_ frame: Frame) -> Sent? {
        lock.lock()
        guard let channel, !counters.disabled else { counters.skippedFrames += 1; lock.unlock(); return nil }
        seq += 1
        let seq = self.seq
        lock.unlock()
        guard let (poolID, generation, offset, image) = place(frame.image) else { skip(); return nil }
        do {
            let key = "\(poolID)/\(generation.id)"
            if !mapped.contains(key) {
                try channel.send(WireMessage(["t": "map", "pool": .int(poolID), "generation": .int(generation.id),
                                              "size": .int(generation.size)], fds: [generation.fd]))
                mapped.insert(key)
            }
            try channel.send(WireMessage([
                "t": "frame", "seq": .int(seq), "number": .int(frame.number), "timestamp_us": .int(Int(frame.timestamp.microseconds)),
                "width": .int(image.width), "height": .int(image.height), "stride": .int(image.bytesPerRow),
                "format": .int(image.format.rawValue), "pool": .int(poolID), "generation": .int(generation.id),
                "offset": .int(offset), "annotations": frame.annotations.json]))
        } catch {
            skip(); return nil  // the worker died: its supervisor logs it and restarts it
        }
        supervisor.noteFrame(instanceID, camera: camera.id, frame: frame.number)
        return Sent(seq: seq, number: frame.number, shared: image, original: frame.image, channel: channel)
    }

    /// Waits for the answer to `sent`; applies the annotations the plugin left to `annotations`.
    private func collect(_ sent: Sent, annotations: FrameAnnotations?) throws -> [Event] {
        defer { supervisor.clearFrame(instanceID) }
        let reply: WireMessage
        do {
            let deadline = Date().addingTimeInterval(supervisor.hangSeconds)
            var answer = try sent.channel.receive(timeout: supervisor.hangSeconds, spin: pipelined ? 0 : Self.spin)
            while answer["seq"]?.intValue != sent.seq {  // an answer to an earlier frame that timed out
                answer = try sent.channel.receive(timeout: max(deadline.timeIntervalSinceNow, 0))
            }
            reply = answer
        } catch WireError.timeout {
            supervisor.hung("\(camera.id)#\(sent.number)")
            skip(); return []
        } catch {
            skip(); return []
        }
        if reply["kept"]?.boolValue == true {
            lock.lock()
            if releasedEarly.remove(sent.seq) == nil { pinned[sent.seq] = sent.shared }
            lock.unlock()
        }
        if let annotations, let after = reply["annotations"] {
            let keys = Set((after.objectValue ?? []).map(\.key))
            for key in annotations.keys where !keys.contains(key) { annotations.remove(key) }
            for (key, value) in after.objectValue ?? [] { try annotations.set(key, value) }
        }
        let events = try WireEvents.decode(reply["events"], blob: reply.blob) { [self] n in
            n == sent.seq ? sent.original : pinnedImage(n)
        }
        if let error = reply["error"]?.stringValue, events.isEmpty { throw PluginError("frame \(sent.number): \(error)") }
        return events
    }

    package func finish() -> [Event] {
        var events = (try? inFlight.map { try collect($0, annotations: nil) }) ?? []
        inFlight = nil
        lock.lock(); let channel = self.channel; lock.unlock()
        if let channel {
            do {
                try channel.send(WireMessage(["t": "finish"]))
                let reply = try channel.receive(timeout: supervisor.hangSeconds)
                events += try WireEvents.decode(reply["events"], blob: reply.blob) { [self] in pinnedImage($0) }
            } catch {
                logger.error("Isolated detector did not finish", metadata: ["error": "\(error)"])
            }
        }
        supervisor.unregister(self)
        return events
    }

    /// Where the frame's pixels are in shared memory: the camera's pool, or a copy.
    private func place(_ image: Image) -> (Int, FramePool.Generation, Int, Image)? {
        if let pool = cameraPool, let (generation, offset) = pool.locate(image.baseAddress),
           offset + image.bytesPerRow * image.height <= generation.size {
            return (pool.id, generation, offset, image)
        }
        let rowBytes = image.width * image.channels
        guard let slot = copies.allocate(bytes: rowBytes * image.height) else { return nil }
        for y in 0..<image.height {
            (slot.pointer + y * rowBytes).copyMemory(from: image.baseAddress + y * image.bytesPerRow, byteCount: rowBytes)
        }
        let copy = copies.image(slot, width: image.width, height: image.height, format: image.format)
        return (copies.id, slot.generation, slot.index * slot.bytes, copy)
    }

    private func pinnedImage(_ seq: Int) -> Image? { lock.lock(); defer { lock.unlock() }; return pinned[seq] }
    private func skip() { lock.lock(); counters.skippedFrames += 1; lock.unlock() }

    // MARK: WorkerInstance

    func openRequest() throws -> (fields: [(String, JSONValue)], fds: [Int32], channel: WireChannel?) {
        let (mine, theirs) = try WireChannel.pair()
        let fd = dup(theirs.fd)
        let zones = JSONValue.array(camera.zones.map { z in
            ["name": .string(z.name), "polygon": .array(z.polygon.map { [.double($0.x), .double($0.y)] })] })
        let lines = JSONValue.array(camera.lines.map { l in
            ["name": .string(l.name), "from": [.double(l.from.x), .double(l.from.y)], "to": [.double(l.to.x), .double(l.to.y)],
             "in": .string(l.inSide.rawValue)] })
        return ([("camera", ["id": .string(camera.id), "zones": zones, "lines": lines])], [fd], mine)
    }

    func attached(_ channel: WireChannel?, reply: WireMessage, pid: Int32) {
        lock.lock(); self.channel = channel; mapped = []; pinned = [:]; releasedEarly = []; lock.unlock()
    }

    func detached(_ failure: WorkerFailure?) {
        lock.lock()
        channel?.shutdownNow()
        channel = nil
        pinned = [:]
        switch failure {
        case .hang: counters.hangs += 1
        case .crash: counters.crashes += 1
        case nil: break
        }
        lock.unlock()
    }

    func restarted() { lock.lock(); counters.restarts += 1; lock.unlock() }
    func disabled() { lock.lock(); counters.disabled = true; lock.unlock() }

    func handle(_ m: WireMessage) {
        switch m.type {
        case "emit":
            do {
                let events = try WireEvents.decode(m["events"], blob: m.blob) { [self] in pinnedImage($0) }
                if !events.isEmpty { emitter?.emit(events) }
            } catch {
                logger.error("Isolated detector emitted events vigil cannot read", metadata: ["error": "\(error)"])
            }
        case "release":
            guard let seq = m["seq"]?.intValue else { return }
            lock.lock()
            if pinned.removeValue(forKey: seq) == nil { releasedEarly.insert(seq) }
            lock.unlock()
        case "log": WorkerSupervisor.log(m, to: logger)
        default: break
        }
    }
}

/// The same, for a plugin that chooses its frames (`SelectiveDetector`).
final class IsolatedSelectiveDetector: SelectiveDetector, IsolationReporting, @unchecked Sendable {
    let inner: IsolatedDetector
    let frameInterest: FrameInterest
    init(_ inner: IsolatedDetector, interest: FrameInterest) { self.inner = inner; frameInterest = interest }
    func process(_ frame: Frame) throws -> [Event] { try inner.process(frame) }
    func finish() -> [Event] { inner.finish() }
    var isolationCounters: IsolationCounters { inner.isolationCounters }
}
