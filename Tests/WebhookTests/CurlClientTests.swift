import Foundation
import VigilCurl
import XCTest

final class CurlClientTests: XCTestCase {
    var server: TestServer!

    override func setUp() async throws {
        server = try await TestServer.start()
    }

    override func tearDown() async throws {
        await server?.stop()
    }

    func testMethodsBodiesAndResponseHeaders() async throws {
        let client = try CurlClient(maxConnections: 2)
        defer { client.shutdown() }
        let body: [UInt8] = Array(0...255) + Array("\r\n\0tail".utf8)

        let put = try await client.send(HTTPRequest(method: "PUT", url: server.url("/echo"),
                                                    headers: [HTTPHeader("X-Custom", "a b"), HTTPHeader("X-Empty", "")],
                                                    body: body))
        XCTAssertEqual(put.status, 200)
        XCTAssertEqual(put.body, body, "binary body sent and received unchanged")
        XCTAssertEqual(put.header("x-echo-method"), "PUT")
        XCTAssertEqual(put.header("X-DUP"), "second", "case-insensitive, last wins")
        XCTAssertEqual(put.headers.filter { $0.name.lowercased() == "x-dup" }.map(\.value), ["first", "second"])

        let get = try await client.send(HTTPRequest(method: "GET", url: server.url("/echo")))
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.header("X-Echo-Method"), "GET")
        XCTAssertEqual(get.body, [])

        let delete = try await client.send(HTTPRequest(method: "DELETE", url: server.url("/echo")))
        XCTAssertEqual(delete.header("X-Echo-Method"), "DELETE")

        let post = try await client.send(HTTPRequest(url: server.url("/echo"), headers: [HTTPHeader("Content-Type", "text/plain")],
                                                     body: Array("x".utf8)))
        XCTAssertEqual(post.header("X-Echo-Method"), "POST")

        let seen = await server.recorder.requests
        XCTAssertEqual(seen.map(\.method), ["PUT", "GET", "DELETE", "POST"])
        XCTAssertEqual(seen[0].values("X-Custom"), ["a b"])
        XCTAssertEqual(seen[0].values("X-Empty"), [""])
        XCTAssertEqual(seen[3].values("Content-Type"), ["text/plain"])
        XCTAssertEqual(seen[0].values("Expect"), [], "no Expect: 100-continue")
        XCTAssertEqual(seen[0].values("Content-Length"), ["\(body.count)"])
        XCTAssertEqual(seen[0].values("Content-Type"), [], "no made-up form-encoded type")
        XCTAssertEqual(seen[2].values("Content-Length"), ["0"])
        XCTAssertEqual(seen[2].values("Content-Type"), [])
        XCTAssertLessThanOrEqual(client.connectionsOpened, 2)
        XCTAssertGreaterThanOrEqual(client.connectionsOpened, 1)
    }

    func testHTTPErrorStatusIsAResponse() async throws {
        let client = try CurlClient()
        let response = try await client.send(HTTPRequest(url: server.url("/status/503?retry_after=7")))
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.header("retry-after"), "7")
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "server says\n  no 503\n")
    }

    func testConnectionRefusedCarriesCurlsMessage() async throws {
        let client = try CurlClient()
        do {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:1/hook"))
            XCTFail("expected a CurlError")
        } catch {
            XCTAssertEqual(error.code, 7, "CURLE_COULDNT_CONNECT")
            XCTAssertTrue(error.message.contains("Couldn't connect to server"), error.message)
            XCTAssertTrue(error.message.contains("127.0.0.1"), "the error buffer's detail: \(error.message)")
            XCTAssertFalse(error.isTimeout)
        }
    }

    func testUnsafeRequestsAndOtherSchemesAreRefused() async throws {
        let client = try CurlClient()
        for request in [HTTPRequest(url: server.url("/echo"), headers: [HTTPHeader("X-A", "1\r\nX-Injected: 1")]),
                        HTTPRequest(url: server.url("/echo"), headers: [HTTPHeader("Bad Name", "1")]),
                        HTTPRequest(method: "GET /x", url: server.url("/echo"))] {
            do {
                _ = try await client.send(request)
                XCTFail("expected a refusal")
            } catch {
                XCTAssertEqual(error.code, -1, error.description)
            }
        }
        do {
            _ = try await client.send(HTTPRequest(method: "GET", url: "file:///etc/hostname"))
            XCTFail("file:// must be refused")
        } catch {
            XCTAssertEqual(error.code, 1, "CURLE_UNSUPPORTED_PROTOCOL: \(error)")
        }
        let seen = await server.recorder.requests
        XCTAssertTrue(seen.isEmpty)
    }

    func testTimeout() async throws {
        let client = try CurlClient()
        let started = ContinuousClock.now
        do {
            _ = try await client.send(HTTPRequest(url: server.url("/hang"), timeout: .milliseconds(300)))
            XCTFail("expected a timeout")
        } catch {
            XCTAssertTrue(error.isTimeout, error.description)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testShutdownFailsPendingSendsAndLaterOnes() async throws {
        let client = try CurlClient()
        let hang = server.url("/hang")
        let pending = Task { try await client.send(HTTPRequest(url: hang)) }
        while await server.recorder.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        let started = ContinuousClock.now
        client.shutdown()
        client.shutdown()  // idempotent
        do {
            _ = try await pending.value
            XCTFail("expected a CurlError")
        } catch let error as CurlError {
            XCTAssertTrue(error.message.contains("shut down"), error.description)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        do {
            _ = try await client.send(HTTPRequest(url: server.url("/hook")))
            XCTFail("expected a CurlError after shutdown")
        } catch {
            XCTAssertTrue(error.message.contains("shut down"), error.description)
        }
    }

    func testCancellingTheTaskFailsTheSend() async throws {
        let client = try CurlClient()
        let hang = server.url("/hang")
        let pending = Task { try await client.send(HTTPRequest(url: hang)) }
        while await server.recorder.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        let started = ContinuousClock.now
        pending.cancel()
        do {
            _ = try await pending.value
            XCTFail("expected a CurlError")
        } catch let error as CurlError {
            XCTAssertTrue(error.message.contains("cancelled"), error.description)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        // The client still works afterwards.
        let response = try await client.send(HTTPRequest(url: server.url("/hook")))
        XCTAssertEqual(response.status, 200)
    }

    func testManyConcurrentSendsReuseConnections() async throws {
        let client = try CurlClient(maxConnections: 3)
        let url = server.url("/hook")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<100 {
                group.addTask { try await client.send(HTTPRequest(url: url, body: Array("\(i)".utf8))).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(statuses, [Int](repeating: 200, count: 100))
        XCTAssertLessThanOrEqual(client.connectionsOpened, 3)
        XCTAssertGreaterThanOrEqual(client.connectionsOpened, 1)
        let bodies = await Set(server.recorder.requests.map { String(decoding: $0.body, as: UTF8.self) })
        XCTAssertEqual(bodies, Set((0..<100).map { "\($0)" }))
    }

    func testInvalidMaxConnections() {
        XCTAssertThrowsError(try CurlClient(maxConnections: 0))
    }
}
