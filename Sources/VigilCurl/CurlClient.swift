import CCurl

/// An HTTP client over libcurl's multi interface: one multi handle driven by one dedicated thread
/// (not Swift's cooperative pool), many transfers in flight at once, connections kept alive and
/// reused (at most `maxConnections` per host and in total).
///
///     let client = try CurlClient()
///     let response = try await client.send(HTTPRequest(url: "https://example.com/hook", body: bytes))
///     client.shutdown()
public final class CurlClient: @unchecked Sendable {
    private let loop: CurlLoop

    /// Starts the client's thread. Throws when libcurl cannot be initialised or `maxConnections`
    /// is below 1.
    public init(maxConnections: Int = 8) throws(CurlError) {
        guard maxConnections >= 1 else {
            throw CurlError.client("CurlClient.init", "maxConnections must be at least 1, got \(maxConnections)")
        }
        let globalInit = CurlClient.globalInit
        guard globalInit == CURLE_OK else { throw CurlError.easy("curl_global_init", globalInit) }
        loop = try CurlLoop(maxConnections: maxConnections)
        loop.start()
    }

    deinit {
        loop.shutdown()
    }

    /// libcurl's process-wide initialisation, done once (Swift runs a static initialiser once,
    /// thread-safely).
    private static let globalInit: CURLcode = vc_global_init()

    /// Sends `request` and waits for the complete response. Any HTTP status is a response; a
    /// `CurlError` means no response arrived (refused, DNS, TLS, timeout), the request was not safe
    /// to send, the task was cancelled, or the client was shut down.
    public func send(_ request: HTTPRequest) async throws(CurlError) -> HTTPResponse {
        if let problem = request.problem() { throw CurlError.client("HTTP \(request.method)", problem) }
        let transfer = CurlTransfer(request: request)
        let loop = self.loop
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                loop.submit(transfer, continuation)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        return try result.get()
    }

    /// New TCP connections made so far (the sum of each transfer's `CURLINFO_NUM_CONNECTS`); stays
    /// below the number of transfers when connections are reused.
    public var connectionsOpened: Int { loop.connectionsOpened }

    /// Stops the thread and closes every connection; sends still waiting fail with a `CurlError`,
    /// later sends fail at once. Safe to call more than once; `deinit` calls it.
    public func shutdown() {
        loop.shutdown()
    }
}
