import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A real HTTP server (Hummingbird 2, 127.0.0.1, a free port) whose answers the test scripts:
/// `POST /<name>` takes the next scripted reply for `name` (200 once the script is used up) and
/// records the request with its arrival time.
final class ScriptedHTTPServer: @unchecked Sendable {
    struct Reply: Sendable {
        var status = 200
        var headers: [String: String] = [:]
        /// Seconds to wait before answering (a hanging server).
        var delay: Double = 0
    }

    struct Received: Sendable {
        let path: String
        let at: Date
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let port: Int
    private let lock = NSLock()
    private var scripts: [String: [Reply]] = [:]
    private var received: [Received] = []
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    /// Replies for `name`, in order.
    func script(_ name: String, _ replies: [Reply]) { lock.withLock { scripts[name] = replies } }

    /// Requests received for `name` (all when nil), in arrival order.
    func requests(_ name: String? = nil) -> [Received] {
        lock.withLock { received.filter { name == nil || $0.path == "/\(name!)" } }
    }

    private func next(_ name: String) -> Reply {
        lock.withLock { scripts[name]?.isEmpty == false ? scripts[name]!.removeFirst() : Reply() }
    }

    private func record(_ r: Received) { lock.withLock { received.append(r) } }

    init(port requested: Int = 0) async throws {
        let router = Router()
        let box = Box()
        router.post("/{name}") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 24)
            let name = context.parameters.get("name") ?? ""
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let server = box.server!
            server.record(Received(path: "/\(name)", at: Date(), headers: headers, body: Array(body.readableBytesView)))
            let reply = server.next(name)
            if reply.delay > 0 { try await Task.sleep(for: .milliseconds(Int(reply.delay * 1000))) }
            var fields = HTTPFields()
            for (k, v) in reply.headers { fields.append(.init(name: .init(k)!, value: v)) }
            return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        var logger = Logger(label: "scripted-server")
        logger.logLevel = .critical
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: requested)),
                              onServerRunning: { portSink.yield($0.localAddress?.port ?? 0); portSink.finish() },
                              logger: logger)
        group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        task = Task { [group] in try await group.run() }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next(), port > 0 else { throw NSError(domain: "server", code: 1) }
        self.port = port
        box.server = self
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    private final class Box: @unchecked Sendable { weak var server: ScriptedHTTPServer? }
}
