import Foundation

/// A TCP proxy on 127.0.0.1 in front of the test's PostgreSQL, under the test's control: what a
/// user meets when the network between vigil and its database misbehaves.
/// - `.forward`: bytes pass both ways.
/// - `.blackHole`: nothing passes any more, in either direction, and new connections are accepted
///   and never answered (as a host whose packets are dropped: the kernel still acks, nobody replies).
/// - `.cutAfterNextRequest`: the next bytes a client sends reach the server, then that connection's
///   answer is swallowed and the connection closed (an ambiguous COMMIT); then back to forwarding.
/// One thread accepts; each connection has one thread per direction.
final class TCPProxy: @unchecked Sendable {
    enum Mode: Sendable { case forward, blackHole, cutAfterNextRequest }

    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSCondition()
    private var currentMode: Mode = .forward
    private var closed = false
    private var sockets: Set<Int32> = []
    /// Connections cut by `.cutAfterNextRequest` so far.
    private(set) var cuts = 0

    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = Self.address(port: 0)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw NSError(domain: "proxy", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    /// `databaseURL` with its port replaced by the proxy's.
    static func url(_ databaseURL: String, port: Int) -> String {
        var parts = URLComponents(string: databaseURL)!
        parts.port = port
        return parts.string!
    }

    var mode: Mode {
        get { lock.lock(); defer { lock.unlock() }; return currentMode }
        set { lock.lock(); currentMode = newValue; lock.broadcast(); lock.unlock() }
    }

    /// Closes the listener and every connection.
    func close() {
        lock.lock()
        closed = true
        let all = sockets
        lock.broadcast()
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR)); Glibc.close(listener)
        for fd in all { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private static func address(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return addr
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if errno == EINTR { continue }; return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = Self.address(port: upstreamPort)
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
            guard ok else { Glibc.close(client); Glibc.close(server); continue }
            lock.lock(); sockets.insert(client); sockets.insert(server); lock.unlock()
            let connection = Connection()
            Thread { [self] in pump(from: client, to: server, upstream: true, connection) }.start()
            Thread { [self] in pump(from: server, to: client, upstream: false, connection) }.start()
        }
    }

    /// State shared by a connection's two directions.
    private final class Connection: @unchecked Sendable {
        var cut = false
        var done = false
    }

    private func pump(from: Int32, to: Int32, upstream: Bool, _ connection: Connection) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        defer {
            lock.lock()
            let first = !connection.done
            connection.done = true
            sockets.remove(from); sockets.remove(to)
            lock.unlock()
            if first { shutdown(from, Int32(SHUT_RDWR)); shutdown(to, Int32(SHUT_RDWR)) }
            else { Glibc.close(from); Glibc.close(to) }
        }
        while true {
            // Wait until bytes may pass: in a black hole they stay where they are.
            lock.lock()
            while currentMode == .blackHole && !closed && !connection.done { lock.wait(until: Date(timeIntervalSinceNow: 0.05)) }
            let stop = closed || connection.done
            lock.unlock()
            if stop { return }
            var pfd = pollfd(fd: from, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 50)
            if ready == 0 { continue }
            if ready < 0 { if errno == EINTR { continue }; return }
            lock.lock()
            let blackHole = currentMode == .blackHole
            lock.unlock()
            if blackHole { continue }
            let n = read(from, &buffer, buffer.count)
            if n <= 0 { return }
            lock.lock()
            var cutNow = false
            if upstream && currentMode == .cutAfterNextRequest && !connection.cut {
                connection.cut = true
                currentMode = .forward
                cuts += 1
                cutNow = true
            }
            let swallow = !upstream && connection.cut
            lock.unlock()
            if swallow { continue }
            var written = 0
            while written < n {
                let w = buffer[written..<n].withUnsafeBytes { send(to, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if w <= 0 { return }
                written += w
            }
            if cutNow {
                // Let the server run (and commit) what it was sent, then drop the connection unanswered.
                Thread.sleep(forTimeInterval: 0.5)
                return
            }
        }
    }
}
