import Foundation

/// A minimal blocking WebSocket client over a plain socket, for tests that need control a
/// library client hides: a client that never reads, hundreds at once, the exact close code.
final class RawWebSocket: @unchecked Sendable {
    enum Message: Equatable {
        case text(String)
        case close(code: Int, reason: String)
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private let counts = NSLock()
    private var textCount = 0
    private var ended = false
    /// Text messages read so far, and whether a close or EOF was read (readable from other threads).
    var received: Int { counts.lock(); defer { counts.unlock() }; return textCount }
    var closed: Bool { counts.lock(); defer { counts.unlock() }; return ended }

    /// The HTTP status of the handshake (101 when upgraded).
    private(set) var status = 0

    /// Connects to 127.0.0.1:`port` and asks to upgrade `path`.
    init(port: Int, path: String, receiveBuffer: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let receiveBuffer {
            var size = Int32(receiveBuffer)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { close(fd); throw NSError(domain: "ws", code: Int(errno)) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        _ = request.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, 0) }
        setTimeout(5)
        var head: [UInt8] = []
        while !head.ends(with: [13, 10, 13, 10]) {
            guard let b = readByte() else { break }
            head.append(b)
        }
        let line = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
        status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    deinit { close(fd) }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - floor(seconds)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next text or close message (pings are answered, pongs skipped); nil on timeout or EOF.
    func read(timeout: Double = 5) -> Message? {
        let message = readMessage(timeout: timeout)
        counts.lock()
        switch message {
        case .text?: textCount += 1
        case .close?: ended = true
        case nil: break
        }
        counts.unlock()
        return message
    }

    private func readMessage(timeout: Double) -> Message? {
        setTimeout(timeout)
        while true {
            guard let b0 = readByte(), let b1 = readByte() else { return nil }
            var length = Int(b1 & 0x7F)
            if length == 126 { guard let a = readByte(), let b = readByte() else { return nil }; length = Int(a) << 8 | Int(b) }
            if length == 127 {
                length = 0
                for _ in 0..<8 { guard let x = readByte() else { return nil }; length = length << 8 | Int(x) }
            }
            guard let payload = readBytes(length) else { return nil }
            switch b0 & 0x0F {
            case 1: return .text(String(decoding: payload, as: UTF8.self))
            case 8:
                let code = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005
                return .close(code: code, reason: String(decoding: payload.dropFirst(2), as: UTF8.self))
            case 9: sendFrame(opcode: 10, payload)
            default: continue
            }
        }
    }

    /// Reads until EOF or an error; true if the server ended the connection within `timeout`.
    func drainUntilClosed(timeout: Double) -> Bool {
        setTimeout(timeout)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    /// Sends a close frame (masked, as a client must).
    func sendClose() { sendFrame(opcode: 8, [0x03, 0xE8]) }

    private func sendFrame(opcode: UInt8, _ payload: [UInt8]) {
        var frame: [UInt8] = [0x80 | opcode, 0x80 | UInt8(payload.count)]
        let mask: [UInt8] = [1, 2, 3, 4]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        _ = frame.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { return false }
        if position > 0 { buffer.removeFirst(position); position = 0 }
        buffer += chunk[0..<n]
        return true
    }

    private func readByte() -> UInt8? {
        if position == buffer.count, !fill() { return nil }
        position += 1
        return buffer[position - 1]
    }

    private func readBytes(_ n: Int) -> [UInt8]? {
        while buffer.count - position < n { guard fill() else { return nil } }
        position += n
        return Array(buffer[(position - n)..<position])
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
