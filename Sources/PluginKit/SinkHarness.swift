import Foundation
import PluginAPI
import VigilRouter
import VigilSinks

/// Runs a sink under vigil's own retry policy (the same code as `vigil run`: attempts, full-jitter
/// backoff, `Retry-After`, dead-lettering, disabling) against a destination your test controls,
/// without PostgreSQL, Redis or the host. Waits are recorded, not slept, unless `realTime`.
///
///     let receiver = try FakeHTTPReceiver(replies: [.init(status: 503), .init(status: 200)])
///     let harness = try SinkHarness(name: "post", config: ["url": .string(receiver.url)]) { try PostSink(context: $0) }
///     let results = await harness.deliver([SinkHarness.event(id: 1, data: ["motion_intensity": 0.4])])
///     XCTAssertEqual(results[0].outcome, .delivered)
///     XCTAssertEqual(results[0].attempts, 2)
public final class SinkHarness: @unchecked Sendable {
    /// The host's retry settings: the keys of a `sinks[]` entry's `delivery` object in plugins.json.
    public struct Policy: Sendable {
        /// Attempts per event, the first included.
        public var maxAttempts = 8
        /// Full-jitter backoff: attempt n waits a random time in [0, min(cap, base · 2^(n−1))].
        public var backoffBaseMS = 500
        /// The backoff's ceiling.
        public var backoffCapMS = 60_000
        /// The longest `Retry-After` honoured.
        public var retryAfterCapS = 3600
        /// vigil's defaults.
        public init() {}
    }

    /// How one event ended.
    public enum Outcome: Sendable, Equatable {
        /// Delivered.
        case delivered
        /// Written to the dead-letter file by vigil: failed for good or out of attempts.
        case deadLettered(reason: String)
        /// The sink said its destination is gone: vigil dead-letters the event and stops the sink.
        case disabled(reason: String)
        /// Not given to the sink: its `FilteringSink.wants` said no.
        case filteredOut
        /// Not given to the sink: it was disabled by an earlier event.
        case notSent
    }

    /// One event's delivery.
    public struct Result: Sendable {
        /// The event's id.
        public let eventID: Int64
        /// How it ended.
        public let outcome: Outcome
        /// Attempts made (0 when not sent).
        public let attempts: Int
        /// The waits vigil chose between attempts (backoff or the sink's `Retry-After`, capped).
        public let waits: [Duration]
    }

    private let sink: any Sink
    private let policy: DeliveryPolicy
    private let realTime: Bool
    private let collector = LogCollector()
    private var disabled = false

    /// Runs `sink` (already made) under `policy`.
    public init(_ sink: any Sink, policy: Policy = Policy(), realTime: Bool = false) {
        self.sink = sink
        self.realTime = realTime
        var p = DeliveryPolicy(deadLetterPath: "")
        p.maxAttempts = policy.maxAttempts
        p.backoffBase = .milliseconds(policy.backoffBaseMS)
        p.backoffCap = .milliseconds(policy.backoffCapMS)
        p.retryAfterCap = .seconds(policy.retryAfterCapS)
        self.policy = p
    }

    /// Makes the sink with `factory` from `config` (as vigil would, with a logger the harness reads).
    public convenience init(name: String = "sink", config: JSONValue = [:], policy: Policy = Policy(), realTime: Bool = false,
                            factory: (PluginContext) throws -> any Sink) throws {
        let collector = LogCollector()
        let context = PluginContext(name: name, cameraID: nil, config: config, configPath: "sinks[0].config",
                                    logger: collector.pluginLogger(plugin: name, camera: nil))
        self.init(try factory(context), policy: policy, realTime: realTime)
        self.collector.adopt(collector)
    }

    /// Loads a built sink `.so` with vigil's loader and makes the sink from `config`.
    public convenience init(name: String = "sink", library path: String, config: JSONValue = [:], policy: Policy = Policy(),
                            realTime: Bool = false) throws {
        let descriptor = try PluginFile.load(path, kind: .sink).descriptor
        try self.init(name: name, config: config, policy: policy, realTime: realTime, factory: descriptor.makeSink)
    }

    /// The sink's log lines so far.
    public var logs: [LogLine] { collector.all }

    /// Delivers `events` one after another, as one worker of vigil would; then closes nothing (call
    /// `close()` when done).
    public func deliver(_ events: [StoredEvent]) async -> [Result] {
        var results: [Result] = []
        for event in events {
            if disabled { results.append(Result(eventID: event.id, outcome: .notSent, attempts: 0, waits: [])); continue }
            if let filter = sink as? any FilteringSink, !filter.wants(event) {
                results.append(Result(eventID: event.id, outcome: .filteredOut, attempts: 0, waits: []))
                continue
            }
            final class Waits: @unchecked Sendable { var list: [Duration] = [] }
            let waits = Waits()
            let realTime = self.realTime
            let outcome = await DeliveryAttempts.run(event, to: sink, policy: policy, wait: { pause in
                waits.list.append(pause)
                if realTime { try? await Task.sleep(for: pause) }
                return true
            })
            switch outcome {
            case .delivered(let n): results.append(Result(eventID: event.id, outcome: .delivered, attempts: n, waits: waits.list))
            case .gaveUp(let n, let reason):
                results.append(Result(eventID: event.id, outcome: .deadLettered(reason: reason), attempts: n, waits: waits.list))
            case .disabled(let n, let reason):
                disabled = true
                results.append(Result(eventID: event.id, outcome: .disabled(reason: reason), attempts: n, waits: waits.list))
            case .interrupted(let n):
                results.append(Result(eventID: event.id, outcome: .notSent, attempts: n, waits: waits.list))
            }
        }
        return results
    }

    /// Closes the sink, as vigil does at shutdown.
    public func close() async { await sink.close() }

    /// A stored event as vigil hands it to sinks: `json` is exactly the published JSON.
    public static func event(id: Int64, type: String = "motion", cameraID: String = "camera-01", frameNumber: Int = 0,
                             timestamp: Timestamp = Timestamp(secondsSince1970: 1_700_000_000), snapshotPath: String? = nil,
                             data: JSONValue = [:], createdAt: Timestamp? = nil) -> StoredEvent {
        let event = NewEvent(type: type, cameraID: cameraID, frameNumber: frameNumber, timestamp: timestamp,
                             snapshotPath: snapshotPath, data: data)
        return SavedEvent(id: id, createdAt: EventJSON.createdAtText(createdAt ?? timestamp), event: event).stored
    }
}
