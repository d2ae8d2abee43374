/// One `send` call on its way through the client's thread. Its mutable fields are guarded by
/// `CurlLoop`'s lock until the thread takes it, and by the thread alone afterwards.
final class CurlTransfer: @unchecked Sendable {
    /// What to send.
    let request: HTTPRequest
    /// Set once `send` is suspended; resumed exactly once, by `complete`.
    var continuation: CheckedContinuation<Result<HTTPResponse, CurlError>, Never>?
    /// `submit` has run (guarded by the lock; the thread never reads it).
    var submitted = false
    /// The caller's task was cancelled (guarded by the lock).
    var cancelled = false
    /// The easy handle running it, while it is in the multi handle (client thread only).
    var easy: CurlEasy?

    init(request: HTTPRequest) {
        self.request = request
    }

    /// Resumes the waiting `send` with `result`; later calls do nothing.
    func complete(_ result: Result<HTTPResponse, CurlError>) {
        let waiting = continuation
        continuation = nil
        waiting?.resume(returning: result)
    }
}
