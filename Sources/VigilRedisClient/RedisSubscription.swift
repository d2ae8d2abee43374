/// Messages from the channels and patterns a client subscribed to, as an `AsyncSequence`
/// (iterate it once). It has a connection and a thread of its own. If the connection breaks it
/// reconnects with backoff, subscribes again to everything and logs that it did
/// (`Redis subscription resubscribed`); messages published while it was away are not replayed.
///
/// The sequence ends when `close()` is called, when everything was unsubscribed, when the
/// client disconnects, or when the iterating task is cancelled. Messages wait in memory until
/// they are read.
public final class RedisSubscription: AsyncSequence, Sendable {
    /// A received message.
    public typealias Element = RedisMessage
    /// The iterator: `AsyncStream`'s.
    public typealias AsyncIterator = AsyncStream<RedisMessage>.Iterator

    let worker: SubscriptionWorker
    private let stream: AsyncStream<RedisMessage>

    init(worker: SubscriptionWorker, stream: AsyncStream<RedisMessage>) {
        self.worker = worker; self.stream = stream
    }

    /// Starts reading messages.
    public func makeAsyncIterator() -> AsyncStream<RedisMessage>.Iterator { stream.makeAsyncIterator() }

    /// The channels subscribed to now.
    public var channels: Set<String> { worker.subscribed.channels }
    /// The patterns subscribed to now.
    public var patterns: Set<String> { worker.subscribed.patterns }

    /// Adds channels and patterns; returns once the server confirmed them.
    public func subscribe(channels: [String] = [], patterns: [String] = []) async throws {
        try await worker.add(channels: channels, patterns: patterns)
    }

    /// Removes channels and patterns; returns once the server confirmed, so no message of theirs
    /// follows those already received. When nothing is left the subscription closes.
    public func unsubscribe(channels: [String] = [], patterns: [String] = []) async {
        await worker.remove(channels: channels, patterns: patterns)
    }

    /// Ends the subscription: the connection closes and the sequence finishes.
    public func close() async { await worker.close() }
}

extension RedisClient {
    /// Publishes `message` on `channel` (a `String` as it is, other values as JSON); returns how
    /// many subscribers received it.
    @discardableResult
    public func publish<T: Encodable>(_ message: T, to channel: String) async throws -> Int {
        try await integer(["PUBLISH", channel, try RedisValueCoding.encode(message)])
    }

    /// Subscribes to `channels` and `patterns` (PSUBSCRIBE globs such as `events:*`) on a
    /// connection of its own; returns once the server confirmed every one, so nothing published
    /// afterwards is missed. `onResubscribe` is called after each automatic resubscription.
    /// - Throws: `RedisClientError.notConnected`, `.invalidArgument` for nothing to subscribe to,
    ///   and the connect errors.
    public func subscribe(channels: [String] = [], patterns: [String] = [],
                          onResubscribe: (@Sendable () -> Void)? = nil) async throws -> RedisSubscription {
        guard isConnected else { throw RedisClientError.notConnected }
        guard !channels.isEmpty || !patterns.isEmpty else {
            throw RedisClientError.invalidArgument("subscribe needs at least one channel or pattern")
        }
        let (stream, continuation) = AsyncStream<RedisMessage>.makeStream(bufferingPolicy: .unbounded)
        let worker = try SubscriptionWorker(configuration: configuration, logger: logger, continuation: continuation,
                                        onResubscribe: onResubscribe)
        let id = ObjectIdentifier(worker)
        subscriptions.withLock { $0[id] = worker }
        worker.onClose = { [weak self] in _ = self?.subscriptions.withLock { $0.removeValue(forKey: id) } }
        continuation.onTermination = { [weak worker] _ in worker?.requestClose() }
        do {
            try await worker.start(channels: channels, patterns: patterns)
        } catch {
            await worker.close()
            throw error
        }
        return RedisSubscription(worker: worker, stream: stream)
    }
}
