import CWorker
import Foundation
import Logging
import PluginAPI
import VigilConfig
import VigilPlugins

/// The child side of process isolation (`vigil plugin-worker`): loads one plugin library and
/// serves the instances vigil opens, over the control socket on descriptor 3. Detector instances
/// get a socket and a thread each (frames in order, as a camera thread would call them); sink
/// deliveries run concurrently. The worker exits when vigil closes the control socket.
package final class PluginWorker: @unchecked Sendable {
    let control: WireChannel
    let mappings = FrameMappings()
    private var plugin: LoadedPlugin?
    private var plugins: PluginSet?
    private var environment = PluginEnvironment()
    private var file = "plugins.json"
    private var sinks: [Int: any Sink] = [:]
    private let lock = NSLock()

    init(control: WireChannel) { self.control = control }

    /// Runs the worker on descriptor `fd` until vigil goes away.
    package static func main(fd: Int32) -> Never {
        cw_line_buffered_stdout()  // a plugin's print() reaches vigil's log line by line, even before a crash
        let worker = PluginWorker(control: WireChannel(fd: fd))
        Thread { worker.heartbeats() }.start()
        while true {
            let message: WireMessage
            do { message = try worker.control.receive() } catch { exit(0) }
            worker.handle(message)
        }
    }

    private func heartbeats() {
        while true {
            Thread.sleep(forTimeInterval: 1)
            do { try control.send(WireMessage(["t": "heartbeat"])) } catch { exit(0) }
        }
    }

    private func reply(_ request: WireMessage, _ body: [(String, JSONValue)], blob: [UInt8] = []) {
        let header = JSONValue.object([("t", "reply"), ("req", request["req"] ?? .null)] + body)
        try? control.send(WireMessage(header, blob: blob))
    }

    private func handle(_ m: WireMessage) {
        switch m.type {
        case "hello": hello(m)
        case "open": open(m)
        case "deliver": deliver(m)
        case "close": close(m)
        default: reply(m, [("error", .string("unknown request \"\(m.type)\""))])
        }
    }

    /// Loads the library (after setting the memory limit) and says what it is.
    private func hello(_ m: WireMessage) {
        if let mb = m["max_memory_mb"]?.intValue {
            var limit = rlimit(rlim_cur: rlim_t(mb) << 20, rlim_max: rlim_t(mb) << 20)
            if setrlimit(Int32(RLIMIT_DATA.rawValue), &limit) != 0 {
                reply(m, [("error", .string("setrlimit(RLIMIT_DATA, \(mb) MiB): \(String(cString: strerror(errno)))"))]); return
            }
        }
        guard let entryJSON = m["entry"], let entry = Self.entry(entryJSON), let library = m["library"]?.stringValue,
              let kind = m["kind"]?.stringValue.flatMap(PluginKind.init(rawValue:)) else {
            reply(m, [("error", "hello without entry, library or kind")]); return
        }
        file = m["file"]?.stringValue ?? file
        environment = PluginEnvironment(stateRoot: m["state_root"]?.stringValue,
                                        snapshots: m["snapshots"]?.stringValue.map { SnapshotLocation(directory: $0) })
        do {
            let lib = try PluginLibrary.load(path: library, expecting: kind)
            plugin = LoadedPlugin(entry: entry, library: lib)
            plugins = PluginSet(detectors: [entry.name: plugin!], sinks: [plugin!], failures: [], warnings: [])
            reply(m, [("plugin", .string(lib.descriptor.name)), ("version", .string(lib.descriptor.version)),
                      ("abi", .int(Int(lib.abi))), ("library", .string(lib.path)),
                      ("toolchain", lib.toolchain.map { .string($0) } ?? .null),
                      ("toolchain_differs", .bool(lib.toolchainDiffers)), ("pid", .int(Int(getpid())))])
        } catch {
            reply(m, [("error", .string("\(error)"))])
        }
    }

    /// Creates one instance: a detector for a camera (with its own socket and thread) or the sink.
    private func open(_ m: WireMessage) {
        guard let plugin, let plugins, let instance = m["instance"]?.intValue else {
            m.fds.forEach { Glibc.close($0) }
            reply(m, [("error", "open before a successful hello")]); return
        }
        let logger = Logger(label: "vigil.plugin-worker", factory: { _ in ForwardingLogHandler(worker: self, instance: instance) })
        do {
            if plugin.descriptor.kind == .sink {
                let sink = try plugins.makeSink(plugin, environment: environment, file: file, logger: logger)
                lock.lock(); sinks[instance] = sink; lock.unlock()
                reply(m, [("filtering", .bool(sink is any FilteringSink))])
                return
            }
            guard let fd = m.fds.first else { reply(m, [("error", "open without a frame socket")]); return }
            let channel = WireChannel(fd: fd)
            let camera = try Self.camera(m["camera"])
            let served = WorkerDetector(id: instance, camera: camera.id, channel: channel, worker: self)
            let detector = try plugins.makeDetector(plugin, camera: camera, emitter: served.emitter, environment: environment,
                                                    file: file, logger: logger)
            served.detector = detector
            let interest = (detector as? SelectiveDetector)?.frameInterest
            let thread = Thread { served.run() }
            thread.name = "detector-\(camera.id)"
            thread.start()
            reply(m, [("selective", .bool(interest != nil)), ("motion_only", .bool(interest?.motionOnly ?? false)),
                      ("heartbeat_s", interest?.heartbeatSeconds.map { .double($0) } ?? .null)])
        } catch {
            reply(m, [("error", .string("\(error)"))])
        }
    }

    private func deliver(_ m: WireMessage) {
        lock.lock(); let sink = m["instance"]?.intValue.flatMap { sinks[$0] }; lock.unlock()
        guard let sink else { reply(m, [("error", "no such sink instance")]); return }
        let event: StoredEvent
        do { event = try WireEvents.decodeStored(m["event"]) } catch { reply(m, [("error", .string("\(error)"))]); return }
        nonisolated(unsafe) let request = m
        Task.detached { [self] in
            if let filter = sink as? any FilteringSink, !filter.wants(event) { reply(request, [("delivery", WireEvents.encode(nil))]); return }
            let outcome = await sink.deliver(event)
            reply(request, [("delivery", WireEvents.encode(outcome))])
        }
    }

    private func close(_ m: WireMessage) {
        lock.lock(); let sink = m["instance"]?.intValue.flatMap { sinks[$0] }; lock.unlock()
        nonisolated(unsafe) let request = m
        Task.detached { [self] in
            await sink?.close()
            reply(request, [])
        }
    }

    /// Sends a plugin's log line to vigil, which logs it with the plugin's name and camera.
    func forward(instance: Int?, level: Logger.Level, message: String, metadata: [String: String]) {
        let meta = JSONValue.object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        try? control.send(WireMessage(["t": "log", "instance": instance.map { .int($0) } ?? .null,
                                       "level": .string(level.rawValue), "message": .string(message), "metadata": meta]))
    }

    static func entry(_ j: JSONValue) -> PluginEntry? {
        guard let name = j["name"]?.stringValue, let path = j["path"]?.stringValue, let library = j["library"]?.stringValue else {
            return nil
        }
        return PluginEntry(name: name, library: library, config: j["config"] ?? .object([]), path: path, delivery: .null)
    }

    static func camera(_ j: JSONValue?) throws -> CameraConfig {
        guard let j, let id = j["id"]?.stringValue else { throw WireError.malformed("open without a camera") }
        let zones: [Zone] = (j["zones"]?.arrayValue ?? []).compactMap { z in
            guard let name = z["name"]?.stringValue, let points = z["polygon"]?.arrayValue else { return nil }
            return Zone(name: name, polygon: points.compactMap { p in
                guard let x = p[0]?.doubleValue, let y = p[1]?.doubleValue else { return nil }
                return Point(x: x, y: y)
            })
        }
        let lines: [CountingLine] = (j["lines"]?.arrayValue ?? []).compactMap { l in
            guard let name = l["name"]?.stringValue, let f = l["from"], let t = l["to"],
                  let fx = f[0]?.doubleValue, let fy = f[1]?.doubleValue, let tx = t[0]?.doubleValue, let ty = t[1]?.doubleValue,
                  let side = l["in"]?.stringValue.flatMap(CountingLine.Side.init(rawValue:)) else { return nil }
            return CountingLine(name: name, from: Point(x: fx, y: fy), to: Point(x: tx, y: ty), inSide: side)
        }
        return CameraConfig(worker: id, zones: zones, lines: lines)
    }
}

/// A swift-log handler that sends every line to vigil over the control socket.
struct ForwardingLogHandler: LogHandler {
    let worker: PluginWorker
    let instance: Int
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
             function: String, line: UInt) {
        // plugin.name and camera.id are vigil's to add; the rest is the plugin's.
        let all = self.metadata.merging(extra ?? [:]) { _, new in new }
            .filter { $0.key != "plugin.name" && $0.key != "camera.id" }
            .mapValues { "\($0)" }
        worker.forward(instance: instance, level: level, message: "\(message)", metadata: all)
    }
}
