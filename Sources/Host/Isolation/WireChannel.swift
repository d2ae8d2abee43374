import CWorker
import Foundation
import PluginAPI

/// One message between vigil and a plugin worker: a JSON header (`t` names its type), optional
/// bytes (snapshot pixels) and optional file descriptors (sockets, shared frame memory).
package struct WireMessage: @unchecked Sendable {
    package var header: JSONValue
    package var blob: [UInt8] = []
    package var fds: [Int32] = []

    package init(_ header: JSONValue, blob: [UInt8] = [], fds: [Int32] = []) {
        self.header = header; self.blob = blob; self.fds = fds
    }

    /// The message type (`t`).
    package var type: String { header["t"]?.stringValue ?? "" }
    package subscript(key: String) -> JSONValue? { header[key] }
}

/// Why a channel call failed.
package enum WireError: Error, CustomStringConvertible, Equatable {
    case closed
    case timeout
    case io(String)
    case malformed(String)

    package var description: String {
        switch self {
        case .closed: return "the worker closed its end (it died)"
        case .timeout: return "no answer in time"
        case .io(let what): return what
        case .malformed(let what): return "malformed message: \(what)"
        }
    }
}

/// A framed message stream over one end of a Unix stream socketpair:
/// `[u32 header length][u32 blob length][header JSON][blob]`, little-endian, with file
/// descriptors riding on the first byte of their message (`nfd` in the header counts them).
/// Sends are serialised (any thread); receiving is for one thread at a time.
package final class WireChannel: @unchecked Sendable {
    package let fd: Int32
    private let writeLock = NSLock()
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private var start = 0
    private var end = 0
    private var fdQueue: [Int32] = []

    /// Takes ownership of `fd` (closed in deinit).
    package init(fd: Int32) { self.fd = fd }
    deinit { close(fd); fdQueue.forEach { close($0) } }

    /// A connected pair (close-on-exec).
    package static func pair() throws -> (WireChannel, WireChannel) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw WireError.io("socketpair: \(String(cString: strerror(errno)))")
        }
        return (WireChannel(fd: fds[0]), WireChannel(fd: fds[1]))
    }

    /// Stops both directions now: a thread blocked receiving sees the end.
    package func shutdownNow() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    /// Sends one message (its descriptors stay open on this side; the caller closes them).
    package func send(_ message: WireMessage) throws {
        var header = message.header
        if !message.fds.isEmpty, case .object(var members) = header {
            members.append(("nfd", .int(message.fds.count)))
            header = .object(members)
        }
        var head: [UInt8] = []
        header.write(to: &head)
        var bytes = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: UInt32(head.count).littleEndian) { bytes.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: UInt32(message.blob.count).littleEndian) { bytes.replaceSubrange(4..<8, with: $0) }
        bytes += head
        bytes += message.blob
        writeLock.lock(); defer { writeLock.unlock() }
        var sent = 0
        try bytes.withUnsafeBytes { raw in
            while sent < raw.count {
                let n = sent == 0 && !message.fds.isEmpty
                    ? cw_send_fds(fd, raw.baseAddress!, raw.count, message.fds, Int32(message.fds.count))
                    : Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE || errno == ECONNRESET { throw WireError.closed }
                    throw WireError.io("send: \(String(cString: strerror(errno)))")
                }
                sent += n
            }
        }
    }

    /// The next message; `timeout` nil waits for ever. Throws `.closed` at the other end's close.
    /// `spin`: poll without sleeping for up to this long first (an answer expected within
    /// microseconds then costs no wake-up).
    package func receive(timeout: Double? = nil, spin: Double = 0) throws -> WireMessage {
        let deadline = timeout.map { DispatchTime.now().uptimeNanoseconds + UInt64(max($0, 0) * 1e9) }
        let spinUntil = DispatchTime.now().uptimeNanoseconds + UInt64(spin * 1e9)
        while true {
            if let message = try parse() { return message }
            if spin > 0, DispatchTime.now().uptimeNanoseconds < spinUntil {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 0) <= 0 { continue }
            } else if let deadline {
                let now = DispatchTime.now().uptimeNanoseconds
                guard now < deadline else { throw WireError.timeout }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ms = Int32(min((deadline - now) / 1_000_000 + 1, 1_000_000))
                let r = poll(&p, 1, ms)
                if r < 0 && errno != EINTR { throw WireError.io("poll: \(String(cString: strerror(errno)))") }
                if r <= 0 { continue }
            }
            try fill()
        }
    }

    private func fill() throws {
        if start == end { start = 0; end = 0 }
        if end == buffer.count {
            if start > 0 {
                buffer.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start) }
                end -= start; start = 0
            } else {
                buffer += [UInt8](repeating: 0, count: buffer.count)
            }
        }
        var fds = [Int32](repeating: -1, count: 8)
        var nfds: Int32 = 0
        let room = buffer.count - end
        let n = buffer.withUnsafeMutableBytes { cw_recv_fds(fd, $0.baseAddress! + end, room, &fds, 8, &nfds) }
        fdQueue += fds.prefix(Int(nfds))
        if n == 0 { throw WireError.closed }
        if n < 0 {
            if errno == ECONNRESET { throw WireError.closed }
            throw WireError.io("recv: \(String(cString: strerror(errno)))")
        }
        end += n
    }

    private func parse() throws -> WireMessage? {
        let available = end - start
        guard available >= 8 else { return nil }
        let (headLength, blobLength) = buffer.withUnsafeBytes { raw -> (Int, Int) in
            (Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self))),
             Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4, as: UInt32.self))))
        }
        guard available >= 8 + headLength + blobLength else { return nil }
        let headStart = start + 8
        let text = String(decoding: buffer[headStart..<headStart + headLength], as: UTF8.self)
        let blob = Array(buffer[headStart + headLength..<headStart + headLength + blobLength])
        start = headStart + headLength + blobLength
        let header: JSONValue
        do { header = try JSONValue(parsing: text) } catch { throw WireError.malformed("\(error)") }
        let count = header["nfd"]?.intValue ?? 0
        guard count <= fdQueue.count else { throw WireError.malformed("\(count) descriptors announced, \(fdQueue.count) came") }
        let fds = Array(fdQueue.prefix(count))
        fdQueue.removeFirst(count)
        return WireMessage(header, blob: blob, fds: fds)
    }
}
