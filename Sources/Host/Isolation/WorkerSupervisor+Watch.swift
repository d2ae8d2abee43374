import Foundation
import Logging
import PluginAPI

/// Watching a running worker: its messages, its output, its death and what follows.
extension WorkerSupervisor {
    /// Control messages: replies to calls, and instance messages (emit, release, log). Also checks
    /// deadlines: a call past its deadline, or a worker silent for the hang timeout, is a hang.
    func readControl(_ process: WorkerProcess) {
        while true {
            do {
                let m = try process.control.receive(timeout: 0.2)
                lock.lock(); lastMessage = DispatchTime.now().uptimeNanoseconds; lock.unlock()
                dispatch(m)
            } catch WireError.timeout {
                checkDeadlines()
            } catch {
                return
            }
        }
    }

    private func dispatch(_ m: WireMessage) {
        if m.type == "reply", let id = m["req"]?.intValue {
            lock.lock(); let call = calls.removeValue(forKey: id); lock.unlock()
            call?.resolve(.success(m))
            return
        }
        guard m.type != "heartbeat" else { return }
        if let id = m["instance"]?.intValue {
            lock.lock(); let instance = instances[id]; lock.unlock()
            if let instance { instance.handle(m); return }
        }
        if m.type == "log" { Self.log(m, to: logger) }
    }

    /// Logs a plugin's log line from the worker through `logger` (which names plugin and camera).
    static func log(_ m: WireMessage, to logger: Logger) {
        let level = m["level"]?.stringValue.flatMap(Logger.Level.init(rawValue:)) ?? .info
        let metadata = Logger.Metadata(uniqueKeysWithValues: (m["metadata"]?.objectValue ?? []).map {
            ($0.key, Logger.MetadataValue.string($0.value.stringValue ?? $0.value.jsonString))
        })
        logger.log(level: level, "\(m["message"]?.stringValue ?? "")", metadata: metadata)
    }

    private func checkDeadlines() {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock()
        let late = calls.filter { $0.value.deadline < now }
        late.keys.forEach { calls[$0] = nil }
        let silent = ready && Double(now - lastMessage) / 1e9 > max(hangSeconds, 3)
        lock.unlock()
        late.values.forEach { $0.resolve(.failure(.timeout)) }
        if let first = late.values.first { hung(first.note) } else if silent { hung(nil) }
    }

    /// The worker's stdout and stderr, line by line, into vigil's log (with the camera whose frame
    /// it was working on, when there was one).
    func readOutput(_ process: WorkerProcess, done: DispatchSemaphore) {
        var pending = Data()
        while true {
            let chunk = process.output.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                outputLine(line, pid: process.pid)
            }
        }
        if !pending.isEmpty { outputLine(String(decoding: pending, as: UTF8.self), pid: process.pid) }
        done.signal()
    }

    private func outputLine(_ line: String, pid: Int32) {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return }
        lock.lock()
        outputTail.append(text)
        if outputTail.count > 50 { outputTail.removeFirst() }
        let camera = inFlight.values.first ?? lastFrame
        lock.unlock()
        logger.warning("Plugin worker output", metadata: ["camera.id": "\(camera.map(Self.camera) ?? "")",
                                                          "worker.pid": "\(pid)", "output": "\(text)"])
    }

    /// The line of a dying worker's output that says why: Swift's `Fatal error` line (or another
    /// error line) rather than the backtrace printed after it.
    static func reason(in tail: [String]) -> String? {
        let markers = ["Fatal error", "fatal error", "Could not allocate", "error:", "terminate called", "Assertion", "Segmentation"]
        if let line = tail.last(where: { line in markers.contains { line.contains($0) } }) { return line }
        let frame = /^\d+\s+\S+\s+0x[0-9a-f]+/
        return tail.last { (try? frame.firstMatch(in: $0)) == nil } ?? tail.last
    }

    static func camera(_ note: String) -> String { String(note[..<(note.lastIndex(of: "#") ?? note.endIndex)]) }
    static func frame(_ note: String) -> String { note.lastIndex(of: "#").map { String(note[note.index(after: $0)...]) } ?? "" }

    /// Waits for the worker to end, then tells everyone, and restarts it (or disables the plugin).
    func monitor(_ process: WorkerProcess, outputDone: DispatchSemaphore) {
        let exit = process.waitExit()
        _ = outputDone.wait(timeout: .now() + 1)
        process.control.shutdownNow()
        lock.lock()
        self.process = nil
        ready = false
        lastExit = exit
        let hang = hangNote
        hangNote = nil
        let note = inFlight.values.first ?? lastFrame
        inFlight = [:]
        let pending = calls
        calls = [:]
        let all = Array(instances.values)
        let quitting = stopping
        let tail = Self.reason(in: outputTail)
        let outOfMemory = outputTail.contains { $0.contains("allocat") || $0.contains("memory") }
        let exited = exitSignal
        lock.unlock()
        pending.values.forEach { $0.resolve(.failure(.closed)) }
        let failure: WorkerFailure? = quitting ? nil : (hang != nil ? .hang : .crash(exit))
        all.forEach { $0.detached(failure) }
        exited.signal()
        guard let failure, launch.restarts else { return }
        restart(after: failure, exit: exit, note: hang.flatMap { $0 } ?? note, lastOutput: tail, outOfMemory: outOfMemory)
    }

    private func restart(after failure: WorkerFailure, exit: WorkerExit, note: String?, lastOutput: String?, outOfMemory: Bool) {
        let now = Date().timeIntervalSince1970
        lock.lock()
        failures.append(now)
        failures.removeAll { now - $0 > settings.restartWindowSeconds }
        let count = failures.count
        let disable = count > settings.maxRestarts
        if disable { disabledReason = "\(cause(failure, outOfMemory)), \(count) failures in \(Int(settings.restartWindowSeconds)) s" }
        lock.unlock()
        var metadata: Logger.Metadata = [
            "camera.id": "\(note.map(Self.camera) ?? "")", "frame": "\(note.map(Self.frame) ?? "")",
            "cause": "\(cause(failure, outOfMemory))", "last_output": "\(lastOutput ?? "")",
            "failures": "\(count)", "window_s": "\(Int(settings.restartWindowSeconds))", "max_restarts": "\(settings.maxRestarts)"]
        if disable {
            logger.critical("Plugin disabled: its worker failed too often", metadata: metadata)
            lock.lock(); let all = Array(instances.values); lock.unlock()
            all.forEach { $0.disabled() }
            return
        }
        let delay = min(0.1 * pow(2, Double(count - 1)), 10)
        metadata["restart_in_ms"] = "\(Int(delay * 1000))"
        switch failure {
        case .hang: logger.error("Plugin worker hung; killed it, restarting", metadata: metadata)
        case .crash(.exited): logger.error("Plugin worker exited; restarting it", metadata: metadata)
        case .crash: logger.error("Plugin worker crashed; restarting it", metadata: metadata)
        }
        let until = Date().addingTimeInterval(delay)
        while Date() < until {
            lock.lock(); let quitting = stopping; lock.unlock()
            if quitting { return }
            Thread.sleep(forTimeInterval: min(0.05, max(until.timeIntervalSinceNow, 0)))
        }
        lock.lock(); let all = Array(instances.values); lock.unlock()
        all.forEach { $0.restarted() }
        do { try launchWorker() } catch WorkerStartError.died(_, _) {
            // Its monitor saw the death and carries on from there.
        } catch {
            lock.lock(); disabledReason = "\(error)"; lock.unlock()
            logger.critical("Plugin disabled: its worker cannot start", metadata: ["error": "\(error)"])
            all.forEach { $0.disabled() }
        }
    }

    private func cause(_ failure: WorkerFailure, _ outOfMemory: Bool) -> String {
        switch failure {
        case .hang: return "no answer within \(Int(settings.hangTimeoutMS)) ms (hang_timeout_ms)"
        case .crash(let exit):
            if let mb = settings.maxMemoryMB, outOfMemory {
                return "\(exit), out of memory (max_memory_mb \(mb))"
            }
            return "\(exit)"
        }
    }
}
