/// What a plugin library is: a detector (frames in, events out) or a sink (stored events out).
public enum PluginKind: String, Sendable {
    /// Turns camera frames into events.
    case detector
    /// Receives every stored event and delivers it somewhere.
    case sink
}

/// A detector: one instance per camera, created from its config, given that camera's frames
/// one at a time on the camera's own thread (never concurrently).
public protocol Detector: AnyObject {
    /// Looks at one frame and returns the events it finds (usually none).
    func process(_ frame: Frame) throws -> [Event]
    /// Called once when the camera stops, for events still pending (e.g. a track that left).
    func finish() -> [Event]
}

extension Detector {
    /// By default a detector has nothing pending at the end.
    public func finish() -> [Event] { [] }
}

/// A sink's answer for one event. The host owns retries, backoff and dead-lettering.
public enum Delivery: Sendable, Equatable {
    /// The event reached its destination.
    case delivered
    /// A temporary failure: try again, after `after` if the destination said when.
    case retry(after: Duration?, reason: String)
    /// A permanent failure for this event: do not retry it.
    case failed(reason: String)
    /// The destination is gone for good (e.g. HTTP 410): stop sending it anything.
    case disable(reason: String)
}

/// A sink: created from its config, given each stored event after it was saved and published.
public protocol Sink: AnyObject, Sendable {
    /// Delivers one event; may be called concurrently, up to the sink's configured concurrency.
    func deliver(_ event: StoredEvent) async -> Delivery
    /// Releases connections; called once at shutdown.
    func close() async
}

extension Sink {
    /// By default a sink has nothing to close.
    public func close() async {}
}

/// An optional ability of a sink: choosing events before they are queued for it, so a sink that
/// wants few events never fills its queue with the rest. Called on the host's thread, must be fast.
public protocol FilteringSink: Sink {
    /// True when `event` should be delivered to this sink; false skips it (not counted as a delivery).
    func wants(_ event: StoredEvent) -> Bool
}

/// The one object a plugin hands the host: its name, version and factory.
public final class PluginDescriptor: Sendable {
    /// The plugin's name, e.g. "motion".
    public let name: String
    /// The plugin's own version, e.g. "1.2.0".
    public let version: String
    /// One line saying what it does.
    public let summary: String
    /// Detector or sink.
    public let kind: PluginKind
    private let detectorFactory: (@Sendable (PluginContext) throws -> any Detector)?
    private let sinkFactory: (@Sendable (PluginContext) throws -> any Sink)?

    /// Describes a detector plugin; `makeDetector` is called once per camera.
    public init(name: String, version: String, summary: String = "",
                makeDetector: @escaping @Sendable (PluginContext) throws -> any Detector) {
        self.name = name; self.version = version; self.summary = summary
        self.kind = .detector; self.detectorFactory = makeDetector; self.sinkFactory = nil
    }

    /// Describes a sink plugin; `makeSink` is called once per configured sink.
    public init(name: String, version: String, summary: String = "",
                makeSink: @escaping @Sendable (PluginContext) throws -> any Sink) {
        self.name = name; self.version = version; self.summary = summary
        self.kind = .sink; self.detectorFactory = nil; self.sinkFactory = makeSink
    }

    /// Creates a detector instance; throws when the plugin rejects its config.
    public func makeDetector(_ context: PluginContext) throws -> any Detector {
        guard let detectorFactory else { throw PluginError("\(name) is a \(kind.rawValue), not a detector") }
        return try detectorFactory(context)
    }

    /// Creates a sink instance; throws when the plugin rejects its config.
    public func makeSink(_ context: PluginContext) throws -> any Sink {
        guard let sinkFactory else { throw PluginError("\(name) is a \(kind.rawValue), not a sink") }
        return try sinkFactory(context)
    }
}

/// An error a plugin reports, with a message meant for the operator.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in one line.
    public let description: String
    /// Creates an error with a one-line message.
    public init(_ description: String) { self.description = description }
}
