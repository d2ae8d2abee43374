import Foundation
import Logging
import VigilConfig
import VigilRedis

/// The live feed's one Redis subscriber, shared by every WebSocket client: a thread of its own
/// (hiredis blocks) reads the channel the router publishes on and offers each event to the
/// clients, whose mailboxes never block it. It runs while there are clients: the first one starts
/// it, the last one leaving ends it. When Redis goes away it resubscribes with backoff
/// (50 ms doubling to 2 s) for as long as clients remain, and then tells each client to replay
/// from PostgreSQL what was published while it was away (`LiveClient.resync()`). Plates in the
/// events are shown as the REST API shows them (`plates`), once per message for every client.
package final class LiveHub: @unchecked Sendable {
    private let address: RedisAddress?
    private let channel: String
    private let logger: Logger
    private let plates: PlateAccess

    private let lock = NSCondition()
    private var clients: [ObjectIdentifier: LiveClient] = [:]
    private var running = false
    private var subscribed = false
    /// The subscription was lost while clients were there: the next one makes them resync.
    private var lostSubscription = false
    private var connection: RedisConnection?
    private var counts = Counts()

    /// What the hub has done, for tests and logs.
    struct Counts: Sendable, Equatable {
        /// Events read from Redis.
        var received = 0
        /// Messages on the channel that were not events.
        var unreadable = 0
        /// Clients dropped for falling behind.
        var dropped = 0
        /// Times a subscription was made (1 plus reconnects, per run).
        var subscriptions = 0
    }

    /// Redis answered SUBSCRIBE with something else than a subscription.
    struct SubscribeError: Error, CustomStringConvertible {
        let channel: String
        let reply: String
        var description: String { "Redis SUBSCRIBE \(channel) failed: unexpected reply \(reply)" }
    }

    init(address: RedisAddress?, channel: String, logger: Logger, plates: PlateAccess = PlateAccess()) {
        self.address = address; self.channel = channel; self.logger = logger; self.plates = plates
    }

    var stats: Counts { lock.lock(); defer { lock.unlock() }; return counts }
    var clientCount: Int { lock.lock(); defer { lock.unlock() }; return clients.count }
    var isSubscribed: Bool { lock.lock(); defer { lock.unlock() }; return subscribed }

    /// Adds a client and starts the subscriber if it is not running.
    func add(_ client: LiveClient) {
        lock.lock()
        clients[ObjectIdentifier(client)] = client
        if !running, address != nil {
            running = true
            let thread = Thread { [self] in work() }
            thread.name = "vigil-live-hub"
            thread.start()
        }
        lock.unlock()
    }

    /// Removes a client; the last one out stops the subscriber.
    func remove(_ client: LiveClient) {
        lock.lock()
        clients[ObjectIdentifier(client)] = nil
        if clients.isEmpty, let c = connection { c.interrupt(); subscribed = false }
        lock.unlock()
    }

    /// Counts a dropped client.
    func noteDropped() { lock.lock(); counts.dropped += 1; lock.unlock() }

    /// Waits (up to `timeout` seconds) until the subscription is in place, so that a client's
    /// `since_id` query starts after it; false if Redis is not there now.
    func waitSubscribed(timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if isSubscribed { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return isSubscribed
    }

    private func work() {
        var backoff = 0.05
        while true {
            lock.lock()
            if clients.isEmpty { running = false; lock.unlock(); return }
            lock.unlock()
            do {
                try subscribeAndRead()
            } catch {
                lock.lock()
                connection = nil
                subscribed = false
                let idle = clients.isEmpty
                if !idle { lostSubscription = true }
                lock.unlock()
                if idle { continue }
                logger.warning("Live feed lost its Redis subscription; retrying",
                               metadata: ["error": "\(error)", "redis.channel": "\(channel)", "retry.seconds": "\(backoff)"])
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 2)
                continue
            }
            backoff = 0.05
        }
    }

    /// Subscribes and hands out messages until the connection ends (an error: Redis went away, or
    /// `remove` interrupted it).
    private func subscribeAndRead() throws {
        guard let address else { return }
        let conn = try RedisConnection(host: address.host, port: address.port, database: address.database,
                                       password: address.password, timeoutSeconds: 2, username: address.username)
        let reply = try conn.command(["SUBSCRIBE", channel])
        guard case .array(let parts) = reply, parts.first?.text == "subscribe" else {
            throw SubscribeError(channel: channel, reply: "\(reply)")
        }
        conn.setTimeout(seconds: 0)  // wait for messages for ever: a hiredis timeout ends the connection
        lock.lock()
        guard !clients.isEmpty else { lock.unlock(); return }
        connection = conn
        subscribed = true
        counts.subscriptions += 1
        let resync = lostSubscription ? Array(clients.values) : []
        lostSubscription = false
        lock.unlock()
        // Before the first message is read: what is offered from now on waits behind the replay.
        for client in resync { client.resync() }
        if resync.isEmpty {
            logger.debug("Live feed subscribed", metadata: ["redis.channel": "\(channel)"])
        } else {
            logger.info("Live feed resubscribed", metadata: ["redis.channel": "\(channel)", "live.clients": "\(resync.count)"])
        }
        while true {
            let reply = try conn.readReply(operation: "read \(channel)")
            guard case .array(let parts) = reply, parts.count == 3, parts[0].text == "message", let payload = parts[2].text else { continue }
            guard let event = LiveEvent(published: payload, plates: plates) else {
                lock.lock(); counts.unreadable += 1; lock.unlock()
                continue
            }
            lock.lock()
            counts.received += 1
            let targets = Array(clients.values)
            lock.unlock()
            for client in targets { client.offer(event) }
        }
    }
}
