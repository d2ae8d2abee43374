import Foundation
import Logging
import PluginAPI
import VigilConfig

/// Runs one plugin entry's worker process and keeps it running: starts it, opens the entry's
/// instances in it, reads its messages, and when it dies (a signal, an exit, or killed for not
/// answering in time) logs that once, waits (exponential backoff) and starts a new one, opening
/// every instance again. More than `max_restarts` failures within `restart_window_s` disable the
/// plugin for good, logged once.
package final class WorkerSupervisor: @unchecked Sendable {
    /// What every worker needs to know besides the entry.
    package struct Launch: Sendable {
        /// vigil's own executable (`/proc/self/exe`); tests may name the built binary.
        package var executable = "/proc/self/exe"
        package var file = "plugins.json"
        package var stateRoot: String?
        package var snapshotsDir: String?
        /// false (`vigil check`): a dead worker is reported, never restarted.
        package var restarts = true
        /// Stop the worker when its last instance is gone (false: keep it for more).
        package var stopWhenIdle = true
        package init() {}
    }

    package let entry: PluginEntry
    let kind: PluginKind
    let libraryPath: String
    let launch: Launch
    let logger: Logger
    var settings: IsolationSettings { entry.isolation }

    let lock = NSLock()
    var process: WorkerProcess?
    var ready = false
    var stopping = false
    var instances: [Int: any WorkerInstance] = [:]
    var calls: [Int: WorkerCall] = [:]
    private var nextID = 0
    var failures: [Double] = []
    var hangNote: String??
    var inFlight: [Int: String] = [:]
    var lastFrame: String?
    var outputTail: [String] = []
    var lastMessage = DispatchTime.now().uptimeNanoseconds
    var exitSignal = DispatchSemaphore(value: 0)
    package internal(set) var disabledReason: String?
    /// How the last worker ended.
    package internal(set) var lastExit: WorkerExit?
    /// The worker's answer to `hello`: plugin name, version, abi, library, toolchain.
    package private(set) var info: WireMessage?

    package init(entry: PluginEntry, kind: PluginKind, libraryPath: String, launch: Launch, logger: Logger) {
        self.entry = entry; self.kind = kind; self.libraryPath = libraryPath; self.launch = launch
        var logger = logger
        logger[metadataKey: "plugin.name"] = "\(entry.name)"
        self.logger = logger
    }

    /// True while a worker runs and has loaded the plugin.
    package var isReady: Bool { lock.lock(); defer { lock.unlock() }; return ready }
    var pid: Int32? { lock.lock(); defer { lock.unlock() }; return ready ? process?.pid : nil }
    var hangSeconds: Double { settings.hangTimeoutMS / 1000 }

    /// Starts the first worker and loads the plugin in it. A library the worker refuses (not a
    /// plugin, wrong kind…) throws. A worker that dies while loading throws when restarts are off
    /// (`vigil check`), else is restarted like any other failure.
    package func start() throws {
        do { try launchWorker() } catch let error as WorkerStartError {
            if case .died = error, launch.restarts { return }
            throw error
        }
    }

    /// Adds an instance and opens it in the running worker (nil answer: no worker now; it is
    /// opened in the next). Throws when the plugin refuses it (its config).
    func register(_ instance: any WorkerInstance) throws -> WireMessage? {
        lock.lock()
        instances[instance.instanceID] = instance
        let live = ready && disabledReason == nil
        lock.unlock()
        guard live else { return nil }
        do { return try open(instance) } catch let error as WorkerStartError {
            if case .refused = error { lock.lock(); instances[instance.instanceID] = nil; lock.unlock(); throw error }
            return nil
        }
    }

    /// Removes an instance; the worker stops with the last one.
    func unregister(_ instance: any WorkerInstance) {
        lock.lock()
        instances[instance.instanceID] = nil
        let last = instances.isEmpty
        lock.unlock()
        if last && launch.stopWhenIdle { stop() }
    }

    /// A new instance id (unique in this supervisor).
    func makeID() -> Int { lock.lock(); defer { lock.unlock() }; nextID += 1; return nextID }

    /// Sends a request on the control socket and waits for its reply (at most `timeout`).
    func call(_ fields: [(String, JSONValue)], fds: [Int32] = [], timeout: Double, note: String? = nil)
        -> Result<WireMessage, WireError> {
        switch send(fields, fds: fds, timeout: timeout, note: note) {
        case .failure(let e): return .failure(e)
        case .success(let call): return call.wait()
        }
    }

    /// The same, from a task.
    func callAsync(_ fields: [(String, JSONValue)], timeout: Double) async -> Result<WireMessage, WireError> {
        switch send(fields, fds: [], timeout: timeout, note: nil) {
        case .failure(let e): return .failure(e)
        case .success(let call): return await call.value()
        }
    }

    private func send(_ fields: [(String, JSONValue)], fds: [Int32], timeout: Double, note: String?) -> Result<WorkerCall, WireError> {
        lock.lock()
        guard let process else { lock.unlock(); return .failure(.closed) }
        nextID += 1
        let id = nextID
        let call = WorkerCall(timeout: timeout, note: note)
        calls[id] = call
        lock.unlock()
        do { try process.control.send(WireMessage(.object([("req", .int(id))] + fields), fds: fds)) } catch {
            lock.lock(); calls[id] = nil; lock.unlock()
            return .failure(error as? WireError ?? .closed)
        }
        return .success(call)
    }

    /// A camera thread is waiting on `instance` for this frame (named in the log if the worker dies).
    func noteFrame(_ instance: Int, camera: String, frame: Int) {
        lock.lock(); let note = "\(camera)#\(frame)"; inFlight[instance] = note; lastFrame = note; lock.unlock()
    }

    func clearFrame(_ instance: Int) { lock.lock(); inFlight[instance] = nil; lock.unlock() }

    /// No answer in time: kill the worker (it is restarted as a hang). `note`: camera#frame.
    func hung(_ note: String?) {
        lock.lock()
        guard let process, hangNote == nil else { lock.unlock(); return }
        hangNote = .some(note)
        lock.unlock()
        process.kill(SIGKILL)
    }

    /// Stops the worker for good (shutdown): closes its socket, then kills it if it lingers.
    package func stop() {
        lock.lock()
        stopping = true
        let process = self.process
        let exited = exitSignal
        lock.unlock()
        guard let process else { return }
        process.control.shutdownNow()
        if exited.wait(timeout: .now() + 2) == .timedOut { process.kill(SIGKILL); _ = exited.wait(timeout: .now() + 2) }
    }

    // MARK: - Starting

    func launchWorker() throws {
        let process: WorkerProcess
        do { process = try WorkerProcess.spawn(executable: launch.executable, arguments: ["--plugin", entry.name]) } catch {
            throw WorkerStartError.spawn("\(error)")
        }
        lock.lock()
        self.process = process
        ready = false
        hangNote = nil
        outputTail = []
        lastMessage = DispatchTime.now().uptimeNanoseconds
        exitSignal = DispatchSemaphore(value: 0)
        let exited = exitSignal
        lock.unlock()
        let outputDone = DispatchSemaphore(value: 0)
        Thread { [self] in readOutput(process, done: outputDone) }.start()
        Thread { [self] in readControl(process) }.start()
        Thread { [self] in monitor(process, outputDone: outputDone) }.start()

        let reply = call(helloFields(), timeout: max(hangSeconds, 30), note: nil)
        switch reply {
        case .success(let m):
            if let error = m["error"]?.stringValue {
                lock.lock(); stopping = true; lock.unlock()
                process.kill(SIGKILL)
                throw WorkerStartError.refused(error)
            }
            lock.lock(); info = m; ready = true; let all = instances.values.sorted { $0.instanceID < $1.instanceID }; lock.unlock()
            for instance in all { _ = try? open(instance) }
        case .failure:
            _ = exited.wait(timeout: .now() + 3)
            lock.lock(); let exit = lastExit; let tail = Self.reason(in: outputTail); lock.unlock()
            throw WorkerStartError.died(exit.map { "\($0)" } ?? "no answer", lastOutput: tail)
        }
    }

    private func helloFields() -> [(String, JSONValue)] {
        [("t", "hello"), ("library", .string(libraryPath)), ("kind", .string(kind.rawValue)), ("file", .string(launch.file)),
         ("entry", ["name": .string(entry.name), "path": .string(entry.path), "library": .string(entry.library), "config": entry.config]),
         ("state_root", launch.stateRoot.map { .string($0) } ?? .null),
         ("snapshots", launch.snapshotsDir.map { .string($0) } ?? .null),
         ("max_memory_mb", settings.maxMemoryMB.map { .int($0) } ?? .null)]
    }

    private func open(_ instance: any WorkerInstance) throws -> WireMessage {
        let request = try instance.openRequest()
        let reply = call([("t", "open"), ("instance", .int(instance.instanceID))] + request.fields, fds: request.fds,
                         timeout: max(hangSeconds, 30))
        request.fds.forEach { close($0) }
        switch reply {
        case .success(let m):
            if let error = m["error"]?.stringValue { throw WorkerStartError.refused(error) }
            instance.attached(request.channel, reply: m, pid: process?.pid ?? 0)
            return m
        case .failure(let e):
            throw WorkerStartError.died("\(e)", lastOutput: nil)
        }
    }
}

/// Why a worker could not serve.
package enum WorkerStartError: Error, CustomStringConvertible {
    case spawn(String)
    case refused(String)
    case died(String, lastOutput: String?)

    package var description: String {
        switch self {
        case .spawn(let why): return why
        case .refused(let why): return why
        case .died(let how, let output):
            return "the plugin crashed while loading in its worker (\(how))" + (output.map { "; last output: \($0)" } ?? "")
        }
    }
}
