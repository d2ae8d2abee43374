/// Lets a detector emit events outside `process`, at any time and from any thread: e.g. a
/// detector that reads plates on its own thread so the camera never waits (PluginAPI 1.1).
/// Emitted events take the same path as returned ones: validation, the camera's rate limit,
/// snapshot writing, the router. The host closes the emitter once `finish()` has returned;
/// emitting after that is refused, logged by the host, and `emit` returns false.
public final class EventEmitter: Sendable {
    private let deliver: @Sendable ([Event]) -> Bool

    /// Creates an emitter that hands events to `deliver`; the host does this.
    public init(_ deliver: @escaping @Sendable ([Event]) -> Bool) { self.deliver = deliver }

    /// Emits events; returns false when they were refused (the detector was finished).
    @discardableResult
    public func emit(_ events: [Event]) -> Bool { events.isEmpty || deliver(events) }

    /// Emits one event; returns false when it was refused (the detector was finished).
    @discardableResult
    public func emit(_ event: Event) -> Bool { deliver([event]) }
}
