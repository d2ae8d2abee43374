import Foundation
import Logging
import PluginAPI

/// A sink that runs in a worker process, as the host's sink runner sees it. Each attempt is one
/// request to the worker; an attempt in flight when the worker dies (or hangs and is killed)
/// answers `.retry`, so the host's own policy tries it again (with its backoff) in the next
/// worker, and the event is never sent twice by the host. A sink whose worker was disabled
/// answers `.disable`. A `FilteringSink` filters inside the worker: an event it does not want
/// counts as delivered.
package final class IsolatedSink: Sink, IsolationReporting, WorkerInstance, @unchecked Sendable {
    let supervisor: WorkerSupervisor
    let instanceID: Int
    let logger: Logger
    private let lock = NSLock()
    private var counters = IsolationCounters()
    private var open = false

    init(supervisor: WorkerSupervisor, logger: Logger) {
        self.supervisor = supervisor
        instanceID = supervisor.makeID()
        var logger = logger
        logger[metadataKey: "plugin.name"] = "\(supervisor.entry.name)"
        self.logger = logger
    }

    /// Opens the sink in its worker; throws when the plugin refuses its config.
    package static func make(supervisor: WorkerSupervisor, logger: Logger) throws -> IsolatedSink {
        let sink = IsolatedSink(supervisor: supervisor, logger: logger)
        _ = try supervisor.register(sink)
        return sink
    }

    package var isolationCounters: IsolationCounters {
        lock.lock(); defer { lock.unlock() }
        var c = counters
        c.pid = open ? supervisor.pid : nil
        return c
    }

    package func deliver(_ event: StoredEvent) async -> Delivery {
        let (disabled, ready) = state
        if disabled {
            return .disable(reason: "the sink's worker failed too often: \(supervisor.disabledReason ?? "disabled")")
        }
        guard ready else { return .retry(after: .seconds(1), reason: "the sink's worker is restarting") }
        let result = await supervisor.callAsync([("t", "deliver"), ("instance", .int(instanceID)),
                                                 ("event", WireEvents.encode(event))], timeout: supervisor.hangSeconds)
        switch result {
        case .success(let m):
            if let error = m["error"]?.stringValue { return .retry(after: nil, reason: "the sink's worker: \(error)") }
            return WireEvents.decodeDelivery(m["delivery"] ?? .null)
        case .failure(.timeout):
            supervisor.hung(nil)
            return .retry(after: nil, reason: "no answer from the sink's worker within \(Int(supervisor.settings.hangTimeoutMS)) ms; it was killed")
        case .failure:
            return .retry(after: nil, reason: "the sink's worker died during the delivery (\(supervisor.lastExit.map { "\($0)" } ?? "closed"))")
        }
    }

    package func close() async {
        if state.open { _ = await supervisor.callAsync([("t", "close"), ("instance", .int(instanceID))], timeout: 5) }
        supervisor.unregister(self)
    }

    private var state: (disabled: Bool, open: Bool) { lock.lock(); defer { lock.unlock() }; return (counters.disabled, open) }

    // MARK: WorkerInstance

    func openRequest() throws -> (fields: [(String, JSONValue)], fds: [Int32], channel: WireChannel?) { ([], [], nil) }
    func attached(_ channel: WireChannel?, reply: WireMessage, pid: Int32) { lock.lock(); open = true; lock.unlock() }

    func detached(_ failure: WorkerFailure?) {
        lock.lock()
        open = false
        switch failure {
        case .hang: counters.hangs += 1
        case .crash: counters.crashes += 1
        case nil: break
        }
        lock.unlock()
    }

    func restarted() { lock.lock(); counters.restarts += 1; lock.unlock() }
    func disabled() { lock.lock(); counters.disabled = true; lock.unlock() }
    func handle(_ m: WireMessage) { if m.type == "log" { WorkerSupervisor.log(m, to: logger) } }
}
