import CHiredis
import Foundation

/// One blocking hiredis connection, owned by one thread at a time (only `interrupt()` may be
/// called from another thread). All calls into hiredis live in this folder.
public final class RedisConnection: @unchecked Sendable {
    let context: UnsafeMutablePointer<redisContext>
    /// The socket, fixed for the connection's life (read here so `interrupt()` never touches the context).
    let socket: Int32
    private var commandBuffer: [UInt8] = []

    /// Connects to `host:port`, authenticates and selects `database`.
    ///
    /// - Parameters:
    ///   - timeoutSeconds: read/write timeout on the connected socket (0 blocks forever).
    ///   - username: the ACL user for AUTH (Redis 6+); nil authenticates the default user.
    ///   - connectTimeoutSeconds: how long the TCP connect may take (default: `timeoutSeconds`).
    ///   - keepAliveSeconds: when set, TCP keepalive probes after this many idle seconds.
    /// - Throws: `RedisError` of kind `.connect`, `.authentication` or `.database`.
    public init(host: String, port: Int, database: Int = 0, password: String? = nil, timeoutSeconds: Double = 2,
                username: String? = nil, connectTimeoutSeconds: Double? = nil, keepAliveSeconds: Int? = nil) throws {
        guard let context = redisConnectWithTimeout(host, Int32(port), Self.makeTimeval(connectTimeoutSeconds ?? timeoutSeconds)) else {
            throw RedisError(operation: "connect", message: "cannot allocate a context", connectionLost: true, kind: .connect)
        }
        if context.pointee.err != 0 {
            let message = Self.contextError(context)
            redisFree(context)
            throw RedisError(operation: "connect to \(host):\(port)", message: message, connectionLost: true, kind: .connect)
        }
        self.context = context
        self.socket = context.pointee.fd
        _ = redisSetTimeout(context, Self.makeTimeval(timeoutSeconds))
        if let keepAliveSeconds { try enableKeepAlive(idleSeconds: keepAliveSeconds) }
        if let password, !password.isEmpty {
            let args = username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            try expectOK(try command(args), "AUTH", .authentication)
        }
        if database != 0 {
            let reply = try command(["SELECT", String(database)])
            if case .error(let message) = reply, message.hasPrefix("NOAUTH") {
                throw RedisError(operation: "SELECT", message: message, connectionLost: false, kind: .authentication)
            }
            try expectOK(reply, "SELECT \(database)", .database)
        }
    }

    deinit { redisFree(context) }

    /// Sends one command and waits for its reply. A server error comes back as `.error`.
    public func command(_ args: [String]) throws -> RedisReply {
        try pipeline([args])[0]
    }

    /// Sends several commands in one write, then reads all their replies, in order.
    public func pipeline(_ commands: [[String]]) throws -> [RedisReply] {
        try append(commands: commands)
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try readReply(operation: commands.first?.first ?? "command")) }
        return replies
    }

    /// Queues a command in the output buffer without sending it.
    public func append(_ args: [String]) throws {
        try append(commands: [args])
    }

    /// Queues several commands in the output buffer (encoded once, appended with one call).
    public func append(commands: [[String]]) throws {
        commandBuffer.removeAll(keepingCapacity: true)
        for args in commands { RESPEncoder.encode(args, into: &commandBuffer) }
        let status = commandBuffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { redisAppendFormattedCommand(context, $0.baseAddress, $0.count) }
        }
        guard status == REDIS_OK else {
            throw RedisError(operation: commands.first?.first ?? "command", message: Self.contextError(context), connectionLost: true)
        }
        if commandBuffer.count > 1 << 20 { commandBuffer = [] }
    }

    /// Flushes queued commands (if any) and reads the next reply; blocks up to the timeout.
    public func readReply(operation: String = "read") throws -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw lostError(operation)
        }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Changes the read/write timeout (seconds); 0 blocks forever.
    public func setTimeout(seconds: Double) {
        _ = redisSetTimeout(context, Self.makeTimeval(seconds))
    }

    /// Turns on TCP keepalive: probes after `idleSeconds` without traffic, then every third of
    /// that (at least 1 s); the kernel drops the connection after 3 unanswered probes.
    public func enableKeepAlive(idleSeconds: Int) throws {
        let idle = Int32(max(1, idleSeconds)), interval = Int32(max(1, idleSeconds / 3)), count: Int32 = 3
        for (level, option, value) in [(SOL_SOCKET, SO_KEEPALIVE, Int32(1)), (Int32(IPPROTO_TCP), TCP_KEEPIDLE, idle),
                                       (Int32(IPPROTO_TCP), TCP_KEEPINTVL, interval), (Int32(IPPROTO_TCP), TCP_KEEPCNT, count)] {
            var v = value
            guard setsockopt(socket, level, option, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                throw RedisError(operation: "keepalive", message: String(cString: strerror(errno)), connectionLost: true)
            }
        }
    }

    /// Wakes a thread blocked on this connection (a blocking pop, a subscription) by shutting the
    /// socket down; that thread's call then fails with a lost connection. Safe from any thread.
    public func interrupt() {
        _ = shutdown(socket, Int32(SHUT_RDWR))
    }

    func lostError(_ operation: String) -> RedisError {
        let message = Self.contextError(context)
        let timedOut = message.contains("temporarily unavailable") || message.contains("timed out")
        return RedisError(operation: operation, message: timedOut ? "no reply within the timeout (\(message))" : message,
                          connectionLost: true, kind: timedOut ? .timeout : .io)
    }

    private func expectOK(_ reply: RedisReply, _ operation: String, _ kind: RedisError.Kind) throws {
        if case .error(let message) = reply {
            throw RedisError(operation: operation, message: message, connectionLost: false, kind: kind)
        }
    }

    static func makeTimeval(_ seconds: Double) -> timeval {
        timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - floor(seconds)) * 1e6))
    }

    static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
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

    static func contextError(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let message = withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return message.isEmpty ? "connection error \(context.pointee.err)" : message
    }
}
