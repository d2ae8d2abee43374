import Foundation
import Logging
import VigilRedis

extension SubscriptionWorker {
    /// The thread body: connect and subscribe, then read until closed, reconnecting as needed.
    func run() {
        defer { finish() }
        var connection: RedisConnection?
        var first = true
        var session = SessionState()
        while !isClosed {
            if connection == nil {
                do {
                    connection = try first ? connector.connect(sleep: sleep) : reconnect()
                    session = SessionState()
                    session.resubscribing = first ? nil : try resubscribe(on: connection!)
                    if first { try subscribeInitial(on: connection!) }
                    first = false
                } catch {
                    if first { failWaiters(error) }
                    return
                }
            }
            do {
                let conn = connection!
                let commands = takeOutgoing()
                if !commands.isEmpty { try conn.append(commands: commands) }
                let now = DispatchTime.now().uptimeNanoseconds
                let timeout = session.pongDeadline.map { $0 > now ? Double($0 - now) / 1e9 : 0 }
                    ?? configuration.healthCheckInterval?.seconds
                switch try conn.readReply(timeout: timeout, wakeDescriptor: wake.readDescriptor) {
                case .woken:
                    wake.drain()
                case .timedOut:
                    if session.pongDeadline != nil {
                        throw RedisError(operation: "PING", message: "no PONG within the command timeout",
                                         connectionLost: true, kind: .timeout)
                    }
                    try conn.append(["PING"])
                    session.pongDeadline = DispatchTime.now().uptimeNanoseconds + UInt64(configuration.commandTimeout.seconds * 1e9)
                case .reply(let reply):
                    handle(reply, &session)
                }
            } catch {
                if isClosed { return }
                let wanted = subscribed
                logger.warning("Redis subscription lost, reconnecting", metadata: [
                    "redis.channels": "\(wanted.channels.sorted())", "redis.patterns": "\(wanted.patterns.sorted())",
                    "error": "\(error)"])
                connection = nil
            }
        }
    }

    /// Per-connection bookkeeping.
    struct SessionState {
        /// When a health PING must have been answered.
        var pongDeadline: UInt64?
        /// Confirmations still due after a resubscription (nil: not resubscribing).
        var resubscribing: Int?
    }

    /// Reconnects until it works or the subscription closes: backoff from the policy's base up
    /// to its cap, without a limit on attempts (a subscriber outlives outages).
    private func reconnect() throws -> RedisConnection {
        var attempt = 1
        while true {
            do {
                return try connector.connectOnce()
            } catch {
                if attempt % 20 == 0 {
                    logger.warning("Redis still unreachable for the subscription", metadata: [
                        "redis.attempt": "\(attempt)", "error": "\(error)"])
                }
                if sleep(configuration.retry.delay(afterAttempt: attempt).seconds) { throw RedisClientError.disconnected }
                attempt += 1
            }
        }
    }

    private func subscribeInitial(on connection: RedisConnection) throws {
        lock.lock()
        let (c, p) = (channels.sorted(), patterns.sorted())
        lock.unlock()
        if !c.isEmpty { try connection.append(["SUBSCRIBE"] + c) }
        if !p.isEmpty { try connection.append(["PSUBSCRIBE"] + p) }
    }

    /// Subscribes to everything wanted now (what was queued meanwhile is included); returns how
    /// many confirmations to wait for before saying so.
    private func resubscribe(on connection: RedisConnection) throws -> Int {
        lock.lock()
        outgoing.removeAll()
        let (c, p) = (channels.sorted(), patterns.sorted())
        let unsubscribed = confirmations.dropUnsubscribes()
        lock.unlock()
        unsubscribed.forEach { $0.resume() }
        if !c.isEmpty { try connection.append(["SUBSCRIBE"] + c) }
        if !p.isEmpty { try connection.append(["PSUBSCRIBE"] + p) }
        return c.count + p.count
    }

    private func takeOutgoing() -> [[String]] {
        lock.lock(); defer { lock.unlock() }
        defer { outgoing.removeAll() }
        return outgoing
    }

    private func failWaiters(_ error: Error) {
        lock.lock()
        let waiting = confirmations.takeAll()
        lock.unlock()
        waiting.forEach { $0.resume(throwing: error) }
    }

    private func handle(_ reply: RedisReply, _ session: inout SessionState) {
        guard case .array(let items) = reply, let kind = items.first?.text?.lowercased() else {
            if case .error(let message) = reply {
                logger.warning("Redis refused a subscription command", metadata: ["error": "\(message)"])
            }
            return
        }
        switch kind {
        case "message" where items.count == 3:
            continuation.yield(RedisMessage(channel: items[1].text ?? "", payload: items[2].text ?? ""))
        case "pmessage" where items.count == 4:
            continuation.yield(RedisMessage(channel: items[2].text ?? "", pattern: items[1].text, payload: items[3].text ?? ""))
        case "subscribe", "psubscribe":
            let key = (kind == "subscribe" ? "c:" : "p:") + (items.count > 1 ? items[1].text ?? "" : "")
            lock.lock()
            let done = confirmations.confirm(key)
            lock.unlock()
            done.forEach { $0.resume() }
            if let due = session.resubscribing {
                session.resubscribing = due - 1
                if due - 1 <= 0 {
                    session.resubscribing = nil
                    let wanted = subscribed
                    logger.info("Redis subscription resubscribed", metadata: [
                        "redis.channels": "\(wanted.channels.sorted())", "redis.patterns": "\(wanted.patterns.sorted())"])
                    onResubscribe?()
                }
            }
        case "unsubscribe", "punsubscribe":
            let key = (kind == "unsubscribe" ? "uc:" : "up:") + (items.count > 1 ? items[1].text ?? "" : "")
            lock.lock()
            let done = confirmations.confirm(key)
            lock.unlock()
            done.forEach { $0.resume() }
        case "pong":
            session.pongDeadline = nil
        default:
            break
        }
    }
}

/// Callers waiting for the server to confirm their SUBSCRIBE/PSUBSCRIBE (keys `c:name`, `p:name`).
struct SubscribeConfirmations {
    private var waiters: [(remaining: Set<String>, continuation: CheckedContinuation<Void, Error>)] = []

    /// Registers a waiter for these subscriptions (resumed at once when there are none).
    mutating func expect(channels: [String], patterns: [String], then continuation: CheckedContinuation<Void, Error>) {
        expect(keys: channels.map { "c:" + $0 } + patterns.map { "p:" + $0 }, then: continuation)
    }

    /// Registers a waiter for these keys (`c:`/`p:` subscribed, `uc:`/`up:` unsubscribed).
    mutating func expect(keys: [String], then continuation: CheckedContinuation<Void, Error>) {
        if keys.isEmpty { continuation.resume() } else { waiters.append((Set(keys), continuation)) }
    }

    /// A new connection is subscribed only to what is wanted: pending unsubscriptions are done.
    mutating func dropUnsubscribes() -> [CheckedContinuation<Void, Error>] {
        var done: [CheckedContinuation<Void, Error>] = []
        waiters = waiters.compactMap { waiter in
            var w = waiter
            w.remaining = w.remaining.filter { !$0.hasPrefix("u") }
            if w.remaining.isEmpty { done.append(w.continuation); return nil }
            return w
        }
        return done
    }

    /// Marks `key` confirmed; returns the waiters now complete.
    mutating func confirm(_ key: String) -> [CheckedContinuation<Void, Error>] {
        var done: [CheckedContinuation<Void, Error>] = []
        waiters = waiters.compactMap { waiter in
            var w = waiter
            w.remaining.remove(key)
            if w.remaining.isEmpty { done.append(w.continuation); return nil }
            return w
        }
        return done
    }

    /// Removes and returns every waiter.
    mutating func takeAll() -> [CheckedContinuation<Void, Error>] {
        defer { waiters.removeAll() }
        return waiters.map(\.continuation)
    }
}

/// A non-blocking pipe that wakes the subscriber thread out of its wait for the next reply.
final class WakePipe: @unchecked Sendable {
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw RedisClientError.system(operation: "create a pipe", message: String(cString: strerror(errno)))
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = fds[0]; writeDescriptor = fds[1]
    }

    deinit { close(readDescriptor); close(writeDescriptor) }

    /// Wakes the reader (a full pipe already means "wake").
    func signal() { var byte: UInt8 = 1; _ = write(writeDescriptor, &byte, 1) }

    /// Empties the pipe.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readDescriptor, &buffer, buffer.count) > 0 {}
    }
}
