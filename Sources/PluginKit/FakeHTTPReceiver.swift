import Foundation

/// A real HTTP/1.1 server on 127.0.0.1 (a free port) for testing sinks, with no dependencies: each
/// request gets the next scripted reply (200 once the script is used up) and is recorded. One
/// request per connection (`Connection: close`), served one at a time on a thread of its own.
public final class FakeHTTPReceiver: @unchecked Sendable {
    /// One scripted answer.
    public struct Reply: Sendable {
        /// The HTTP status code.
        public var status: Int
        /// Extra response headers, e.g. `["Retry-After": "2"]`.
        public var headers: [String: String]
        /// Creates a reply.
        public init(status: Int = 200, headers: [String: String] = [:]) { self.status = status; self.headers = headers }
    }

    /// A request as it arrived.
    public struct Request: Sendable {
        /// `POST`, `PUT`…
        public let method: String
        /// The path with its query.
        public let path: String
        /// Header names in lower case.
        public let headers: [String: String]
        /// The body bytes.
        public let body: [UInt8]
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:<port>`
    public var url: String { "http://127.0.0.1:\(port)" }
    private let socket: Int32
    private let lock = NSLock()
    private var script: [Reply] = []
    private var received: [Request] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts listening; answers `replies` in order, then 200.
    public init(replies: [Reply] = []) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Self.error("socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw Self.error("bind/listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        script = replies
        let thread = Thread { [self] in serve() }
        thread.name = "fake-http-\(port)"
        thread.start()
    }

    deinit { stop() }

    /// Replaces what is left of the script.
    public func script(_ replies: [Reply]) { lock.lock(); script = replies; lock.unlock() }

    /// Every request so far, in arrival order.
    public var requests: [Request] { lock.lock(); defer { lock.unlock() }; return received }

    /// Stops listening (idempotent).
    public func stop() {
        lock.lock(); let first = !stopped; stopped = true; lock.unlock()
        guard first else { return }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
        done.wait()
    }

    private func serve() {
        defer { done.signal() }
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 {
                lock.lock(); let over = stopped; lock.unlock()
                if over || errno != EINTR { return }
                continue
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        while headerEnd == nil {
            let n = recv(client, &chunk, chunk.count, 0)
            guard n > 0 else { return }
            buffer += chunk[0..<n]
            headerEnd = buffer.firstRange(of: [13, 10, 13, 10])?.upperBound
        }
        let head = String(decoding: buffer[..<headerEnd!], as: UTF8.self).split(separator: "\r\n")
        let requestLine = head.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count - headerEnd! < length {
            let n = recv(client, &chunk, chunk.count, 0)
            guard n > 0 else { return }
            buffer += chunk[0..<n]
        }
        let request = Request(method: requestLine.first.map(String.init) ?? "", path: requestLine.dropFirst().first.map(String.init) ?? "",
                              headers: headers, body: Array(buffer[headerEnd!..<(headerEnd! + length)]))
        lock.lock()
        received.append(request)
        let reply = script.isEmpty ? Reply() : script.removeFirst()
        lock.unlock()
        var response = "HTTP/1.1 \(reply.status) Scripted\r\nContent-Length: 0\r\nConnection: close\r\n"
        for (name, value) in reply.headers { response += "\(name): \(value)\r\n" }
        response += "\r\n"
        _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private static func error(_ what: String) -> NSError {
        NSError(domain: "FakeHTTPReceiver", code: Int(errno),
                userInfo: [NSLocalizedDescriptionKey: "\(what) failed: \(String(cString: strerror(errno)))"])
    }
}
