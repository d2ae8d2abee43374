import Foundation
import Logging
import PluginAPI

/// A camera's detectors, run in order on each frame (PluginAPI 1.1): they share the frame's
/// annotations, a detector that wants only frames with motion is skipped on still ones, a call
/// over its `max_process_ms` is logged and counted, an error is logged and never stops the chain.
/// `process` and `finish` run on the camera's thread; the counters may be read from anywhere.
package final class DetectorChain: @unchecked Sendable {
    /// One detector instance in the chain.
    package final class Link: @unchecked Sendable {
        package let name: String
        package let detector: any Detector
        package let interest: FrameInterest
        package let maxProcessSeconds: Double?
        /// Closed once the detector finished: its emitter refuses events from then on.
        package let gate: EmitterGate?
        fileprivate var lastCall: Timestamp?
        fileprivate var lastOverrunLog = 0.0

        package init(name: String, detector: any Detector, maxProcessMS: Double? = nil, gate: EmitterGate? = nil) {
            self.name = name; self.detector = detector; self.gate = gate
            interest = (detector as? SelectiveDetector)?.frameInterest ?? .everyFrame
            maxProcessSeconds = maxProcessMS.map { $0 / 1000 }
        }
    }

    /// What one link has done so far.
    package struct Counters: Sendable, Equatable {
        package var calls = 0, skipped = 0, overruns = 0, errors = 0
    }

    package let links: [Link]
    private let cameraID: String
    private let logger: Logger
    private let emit: @Sendable ([Event]) -> Void
    private let lock = NSLock()
    private var counters: [Counters]
    private var warnedNoMotion: Set<String> = []

    package init(links: [Link], cameraID: String, logger: Logger, emit: @escaping @Sendable ([Event]) -> Void) {
        self.links = links; self.cameraID = cameraID; self.logger = logger; self.emit = emit
        counters = Array(repeating: Counters(), count: links.count)
    }

    /// Each link's name and counters, in chain order.
    package var stats: [(name: String, counters: Counters)] {
        lock.lock(); defer { lock.unlock() }
        return zip(links, counters).map { ($0.name, $1) }
    }

    /// Runs `frame` through the chain; every detector sees the annotations of those before it.
    package func process(_ frame: Frame) {
        for (i, link) in links.enumerated() {
            guard wants(link, frame) else { bump(i) { $0.skipped += 1 }; continue }
            link.lastCall = frame.timestamp
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let events = try link.detector.process(frame)
                if !events.isEmpty { emit(events) }
                bump(i) { $0.calls += 1 }
            } catch {
                bump(i) { $0.calls += 1; $0.errors += 1 }
                logger.error("Detector failed on a frame", metadata: ["plugin.name": "\(link.name)",
                             "frame": "\(frame.number)", "error": "\(error)"])
            }
            if let limit = link.maxProcessSeconds {
                let took = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if took > limit { overran(i, link, frame: frame, took: took, limit: limit) }
            }
        }
    }

    /// Asks every detector for what it still holds, then closes their emitters.
    package func finish() {
        for link in links {
            let events = link.detector.finish()
            if !events.isEmpty { emit(events) }
            link.gate?.close()
        }
    }

    private func wants(_ link: Link, _ frame: Frame) -> Bool {
        guard link.interest.motionOnly else { return true }
        guard let motion = frame.annotations.motion else {
            lock.lock(); let first = warnedNoMotion.insert(link.name).inserted; lock.unlock()
            if first {
                logger.info("Detector wants frames with motion but no motion detector runs before it; it gets every frame",
                            metadata: ["plugin.name": "\(link.name)"])
            }
            return true
        }
        if motion.hasMotion { return true }
        guard let every = link.interest.heartbeatSeconds else { return false }
        guard let last = link.lastCall else { return true }
        return frame.timestamp.secondsSince1970 - last.secondsSince1970 >= every
    }

    private func overran(_ i: Int, _ link: Link, frame: Frame, took: Double, limit: Double) {
        bump(i) { $0.overruns += 1 }
        let now = Date().timeIntervalSince1970
        guard now - link.lastOverrunLog >= 10 else { return }
        link.lastOverrunLog = now
        let total = stats[i].counters.overruns
        logger.warning("Detector overran its deadline", metadata: [
            "plugin.name": "\(link.name)", "frame": "\(frame.number)", "took_ms": "\(Int(took * 1000))",
            "max_process_ms": "\(Int(limit * 1000))", "overruns.total": "\(total)"])
    }

    private func bump(_ i: Int, _ change: (inout Counters) -> Void) {
        lock.lock(); change(&counters[i]); lock.unlock()
    }
}

/// Lets a detector's emitter through until the detector has finished; then refuses (and logs)
/// what it still emits.
package final class EmitterGate: @unchecked Sendable {
    private let lock = NSLock()
    private var open = true
    private let name: String
    private let logger: Logger

    package init(name: String, logger: Logger) { self.name = name; self.logger = logger }

    /// Closes the gate for good.
    package func close() { lock.lock(); open = false; lock.unlock() }

    /// An emitter that hands events to `deliver` while the gate is open.
    package func emitter(_ deliver: @escaping @Sendable ([Event]) -> Void) -> EventEmitter {
        EventEmitter { [self] events in
            // Held while delivering, so `close()` (after `finish()`) waits for an emit in flight.
            lock.lock(); defer { lock.unlock() }
            guard open else {
                logger.error("Events emitted after the detector finished were refused",
                             metadata: ["plugin.name": "\(name)", "events": "\(events.count)"])
                return false
            }
            deliver(events)
            return true
        }
    }
}
