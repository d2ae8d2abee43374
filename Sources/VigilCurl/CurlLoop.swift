import CCurl
import Foundation

/// The multi handle and the thread that drives it. Other threads only append to `pending` or
/// `cancellations` under `condition` and call `curl_multi_wakeup`; every other curl call
/// happens on the thread.
final class CurlLoop: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var pending: [CurlTransfer] = []
    private var cancellations: [CurlTransfer] = []
    private var stopping = false
    private var closed = false       // the multi handle is gone or going: no more wakeups
    private var finished = false     // the thread has exited
    private var connects = 0
    private var thread: Thread?
    // The thread's own:
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var idle: [CurlEasy] = []
    private let maxIdle: Int

    init(maxConnections: Int) throws(CurlError) {
        guard let multi = curl_multi_init() else {
            throw CurlError.client("curl_multi_init", "libcurl could not create a multi handle")
        }
        self.multi = multi
        maxIdle = max(16, maxConnections * 2)
        for (option, name) in [(CURLMOPT_MAX_HOST_CONNECTIONS, "CURLMOPT_MAX_HOST_CONNECTIONS"),
                               (CURLMOPT_MAX_TOTAL_CONNECTIONS, "CURLMOPT_MAX_TOTAL_CONNECTIONS"),
                               (CURLMOPT_MAXCONNECTS, "CURLMOPT_MAXCONNECTS")] {
            let rc = vc_multi_setopt_long(multi, option, maxConnections)
            guard rc == CURLM_OK else {
                curl_multi_cleanup(multi)
                throw CurlError.multi("curl_multi_setopt(\(name))", rc)
            }
        }
    }

    /// Starts the thread; called once, right after `init`.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "vigil-curl"
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
    }

    var connectionsOpened: Int {
        condition.lock(); defer { condition.unlock() }
        return connects
    }

    /// Queues `transfer` for the thread, or fails it at once when cancelled or shut down.
    func submit(_ transfer: CurlTransfer, _ continuation: CheckedContinuation<Result<HTTPResponse, CurlError>, Never>) {
        condition.lock()
        transfer.continuation = continuation
        transfer.submitted = true
        let refusal: CurlError? = transfer.cancelled ? .client("HTTP \(transfer.request.method)", "cancelled")
            : stopping ? .client("HTTP \(transfer.request.method)", "the HTTP client is shut down") : nil
        if refusal == nil {
            pending.append(transfer)
            wakeUpLocked()
        }
        condition.unlock()
        if let refusal { transfer.complete(.failure(refusal)) }
    }

    /// Marks `transfer` cancelled; the thread fails it if it is still running.
    func cancel(_ transfer: CurlTransfer) {
        condition.lock()
        transfer.cancelled = true
        if transfer.submitted {
            cancellations.append(transfer)
            wakeUpLocked()
        }
        condition.unlock()
    }

    /// Stops the thread and waits until it has failed what was pending and freed the handles.
    func shutdown() {
        condition.lock()
        stopping = true
        wakeUpLocked()
        let startedThread = thread
        if let startedThread, startedThread != Thread.current {
            while !finished { condition.wait() }
        } else if startedThread == nil, !closed {
            closed = true
            curl_multi_cleanup(multi)
        }
        condition.unlock()
    }

    private func wakeUpLocked() {
        guard !closed else { return }
        _ = curl_multi_wakeup(multi)  // only fails for a bad handle; the poll timeout bounds the delay anyway
    }

    // MARK: The thread

    private func run() {
        while true {
            condition.lock()
            let stop = stopping
            let new = pending, cancelled = cancellations
            pending = []; cancellations = []
            condition.unlock()
            if stop {
                for transfer in new { transfer.complete(.failure(shutDownError(transfer))) }
                break
            }
            for transfer in new { begin(transfer) }
            for transfer in cancelled { abort(transfer, .client("HTTP \(transfer.request.method)", "cancelled")) }

            var stillRunning: Int32 = 0
            let performed = curl_multi_perform(multi, &stillRunning)
            if performed != CURLM_OK { failAll(.multi("curl_multi_perform", performed)) }
            collectFinished()
            let polled = curl_multi_poll(multi, nil, 0, 1000, nil)
            if polled != CURLM_OK {
                failAll(.multi("curl_multi_poll", polled))
                usleep(10_000)  // a broken multi handle must not spin a core
            }
        }
        failAll(nil)
        idle.removeAll()
        condition.lock()
        closed = true
        let rest = pending
        pending = []
        condition.unlock()
        for transfer in rest { transfer.complete(.failure(shutDownError(transfer))) }
        curl_multi_cleanup(multi)
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func begin(_ transfer: CurlTransfer) {
        do throws(CurlError) {
            let easy: CurlEasy
            if let parked = idle.popLast() { easy = parked } else { easy = try CurlEasy() }
            do throws(CurlError) {
                try easy.prepare(transfer.request)
            } catch {
                park(easy)
                throw error
            }
            let added = curl_multi_add_handle(multi, easy.handle)
            guard added == CURLM_OK else {
                park(easy)
                throw CurlError.multi("curl_multi_add_handle", added)
            }
            easy.transfer = transfer
            transfer.easy = easy
            running[easy.handle] = transfer
        } catch {
            transfer.complete(.failure(error))
        }
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                  let transfer = running[handle], let easy = transfer.easy else { continue }
            let (result, opened) = easy.finish(message.pointee.data.result)
            condition.lock()
            connects += opened
            condition.unlock()
            detach(transfer)
            transfer.complete(result)
        }
    }

    /// Takes a running transfer out of the multi handle and fails it.
    private func abort(_ transfer: CurlTransfer, _ error: CurlError) {
        guard let easy = transfer.easy, running[easy.handle] === transfer else { return }
        let (_, opened) = easy.finish(CURLE_ABORTED_BY_CALLBACK)
        condition.lock()
        connects += opened
        condition.unlock()
        detach(transfer)
        transfer.complete(.failure(error))
    }

    /// Fails every running transfer, with `error` or, when nil, the shut-down error.
    private func failAll(_ error: CurlError?) {
        for transfer in Array(running.values) { abort(transfer, error ?? shutDownError(transfer)) }
    }

    private func detach(_ transfer: CurlTransfer) {
        guard let easy = transfer.easy else { return }
        running[easy.handle] = nil
        transfer.easy = nil
        // Removing a handle the multi handle holds only fails for a bad handle; the easy handle is
        // then dropped instead of reused.
        if curl_multi_remove_handle(multi, easy.handle) == CURLM_OK { park(easy) } else { easy.clear() }
    }

    private func park(_ easy: CurlEasy) {
        easy.clear()
        if idle.count < maxIdle { idle.append(easy) }
    }

    private func shutDownError(_ transfer: CurlTransfer) -> CurlError {
        .client("HTTP \(transfer.request.method)", "the HTTP client was shut down before a response arrived")
    }
}
