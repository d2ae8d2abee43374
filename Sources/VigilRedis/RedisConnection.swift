import CHiredis
import Foundation

/// A hiredis failure, with hiredis's or the server's message.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    /// What we were doing, e.g. "connect" or "PUBLISH".
    public let operation: String
    /// The message.
    public let message: String
    /// True when the connection is broken (I/O, EOF), false for a server error reply.
    public let connectionLost: Bool

    public var description: String { "Redis \(operation) failed: \(message)" }
}

/// A reply from Redis.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case string(String)
    case integer(Int)
    case array([RedisReply])
    case null
    case error(String)

    /// The text of a status, string or integer reply.
    public var text: String? {
        switch self {
        case .status(let s), .string(let s): return s
        case .integer(let i): return String(i)
        default: return nil
        }
    }
}

/// One blocking hiredis connection, owned by one thread at a time.
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects to `host:port`, authenticates and selects `database`.
    public init(host: String, port: Int, database: Int = 0, password: String? = nil, timeoutSeconds: Double = 2) throws {
        var tv = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - floor(timeoutSeconds)) * 1e6))
        guard let context = redisConnectWithTimeout(host, Int32(port), tv) else {
            throw RedisError(operation: "connect", message: "cannot allocate a context", connectionLost: true)
        }
        if context.pointee.err != 0 {
            let message = Self.contextError(context)
            redisFree(context)
            throw RedisError(operation: "connect to \(host):\(port)", message: message, connectionLost: true)
        }
        self.context = context
        _ = redisSetTimeout(context, tv)
        if let password, !password.isEmpty { try expectOK(try command(["AUTH", password]), "AUTH") }
        if database != 0 { try expectOK(try command(["SELECT", String(database)]), "SELECT") }
    }

    deinit { redisFree(context) }

    /// Sends one command and waits for its reply. A server error comes back as `.error`.
    public func command(_ args: [String]) throws -> RedisReply {
        try pipeline([args])[0]
    }

    /// Sends several commands in one write, then reads all their replies, in order.
    public func pipeline(_ commands: [[String]]) throws -> [RedisReply] {
        for args in commands { try append(args) }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try readReply(operation: commands.first?.first ?? "command")) }
        return replies
    }

    /// Queues a command in the output buffer without sending it.
    public func append(_ args: [String]) throws {
        let cStrings = args.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        var lengths = args.map { $0.utf8.count }
        let status = pointers.withUnsafeMutableBufferPointer { p in
            lengths.withUnsafeMutableBufferPointer { l in
                redisAppendCommandArgv(context, Int32(args.count), p.baseAddress, l.baseAddress)
            }
        }
        guard status == REDIS_OK else {
            throw RedisError(operation: args.first ?? "command", message: Self.contextError(context), connectionLost: true)
        }
    }

    /// Flushes queued commands (if any) and reads the next reply; blocks up to the timeout.
    public func readReply(operation: String = "read") throws -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw RedisError(operation: operation, message: Self.contextError(context), connectionLost: true)
        }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Changes the read/write timeout (seconds); 0 blocks forever.
    public func setTimeout(seconds: Double) {
        let tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - floor(seconds)) * 1e6))
        _ = redisSetTimeout(context, tv)
    }

    /// Wakes a thread blocked in `readReply` on this connection from another thread: shuts the
    /// socket down, so the read fails with `connectionLost` and the connection is done for. The only
    /// method that may be called from a thread other than the owner's.
    public func interrupt() {
        _ = shutdown(context.pointee.fd, Int32(SHUT_RDWR))
    }

    private func expectOK(_ reply: RedisReply, _ operation: String) throws {
        if case .error(let message) = reply {
            throw RedisError(operation: operation, message: message, connectionLost: false)
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        func text() -> String {
            guard let str = r.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: str, count: Int(r.len)), as: UTF8.self)
        }
        switch r.type {
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_INTEGER: return .integer(Int(r.integer))
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(r.elements)).map { convert(r.element[$0]!) })
        default: return .null
        }
    }

    private static func contextError(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let message = withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return message.isEmpty ? "connection error \(context.pointee.err)" : message
    }
}
