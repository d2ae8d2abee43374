import Foundation
import Hummingbird

/// One request as the test server received it.
struct ReceivedRequest: Sendable {
    let method: String
    let path: String
    /// Header names as sent on the wire (not lower-cased), in order.
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    /// The values of header `name` (case-insensitive).
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

/// What the test server has seen.
actor Recorder {
    private(set) var requests: [ReceivedRequest] = []
    func add(_ request: ReceivedRequest) { requests.append(request) }
}

/// A real Hummingbird 2 HTTP/1.1 server on 127.0.0.1 and a free port, run inside the test:
/// - `POST /hook` records the request and answers 200 `ok`;
/// - `GET|PUT|POST|DELETE /echo` records and answers 200 with the request body and a few headers;
/// - `POST /status/{code}?retry_after=X` answers `code` (with `Retry-After: X`) and a two-line body;
/// - `POST /hang` answers only after 10 s.
final class TestServer: Sendable {
    let port: Int
    let recorder: Recorder
    private let task: Task<Void, any Error>

    private init(port: Int, recorder: Recorder, task: Task<Void, any Error>) {
        self.port = port; self.recorder = recorder; self.task = task
    }

    /// `http://127.0.0.1:<port><path>`
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    static func start() async throws -> TestServer {
        let recorder = Recorder()
        let router = Router()
        @Sendable func record(_ request: Request) async throws -> ReceivedRequest {
            var request = request
            let body = try await request.collectBody(upTo: 1 << 22)
            let received = ReceivedRequest(
                method: request.method.rawValue, path: request.uri.path,
                headers: request.headers.map { (name: $0.name.rawName, value: $0.value) },
                body: Array(body.readableBytesView))
            await recorder.add(received)
            return received
        }
        router.post("/hook") { request, _ -> Response in
            _ = try await record(request)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        let echo: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let received = try await record(request)
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            headers.append(.init(name: .init("X-Echo-Method")!, value: received.method))
            headers.append(.init(name: .init("x-dup")!, value: "first"))
            headers.append(.init(name: .init("X-Dup")!, value: "second"))
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: received.body)))
        }
        router.get("/echo", use: echo)
        router.put("/echo", use: echo)
        router.post("/echo", use: echo)
        router.delete("/echo", use: echo)
        router.post("/status/{code}") { request, context -> Response in
            _ = try await record(request)
            let code = context.parameters.get("code", as: Int.self) ?? 500
            var headers = HTTPFields()
            if let after = request.uri.queryParameters.get("retry_after") { headers[.retryAfter] = after }
            return Response(status: .init(code: code), headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: "server says\n  no \(code)\n")))
        }
        router.post("/hang") { request, _ -> Response in
            _ = try await record(request)
            try await Task.sleep(for: .seconds(10))
            return Response(status: .ok)
        }

        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "webhook-tests"),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            })
        let task = Task {
            defer { portSink.finish() }  // a failed bind must not leave start() waiting
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "test server did not start"])
        }
        return TestServer(port: port, recorder: recorder, task: task)
    }

    /// Stops the server and waits for it.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
