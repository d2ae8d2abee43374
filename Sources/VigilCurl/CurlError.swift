import CCurl

/// A failed libcurl call or transfer, with curl's own words.
public struct CurlError: Error, CustomStringConvertible, Sendable {
    /// What failed: a curl function (`curl_multi_init`, `curl_easy_setopt(CURLOPT_URL)`, …) or,
    /// for a transfer, `HTTP <method>`.
    public let operation: String
    /// The `CURLcode` (or `CURLMcode` for `curl_multi_*` operations); -1 for the client's own
    /// refusals (shut down, cancelled, a request that is not safe to send).
    public let code: Int
    /// `curl_easy_strerror` (or `curl_multi_strerror`) followed by the `CURLOPT_ERRORBUFFER` detail,
    /// e.g. `Couldn't connect to server: Failed to connect to 127.0.0.1 port 1: Connection refused`.
    public let message: String

    /// Creates an error; the client does this.
    public init(operation: String, code: Int, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// True when the transfer hit its connect or total timeout (`CURLE_OPERATION_TIMEDOUT`).
    public var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }

    /// `HTTP POST: Couldn't connect to server: … (curl code 7)`.
    public var description: String {
        code >= 0 ? "\(operation): \(message) (curl code \(code))" : "\(operation): \(message)"
    }

    /// An error for easy-interface code `code`, adding the handle's error buffer when it says more.
    static func easy(_ operation: String, _ code: CURLcode, detail: String = "") -> CurlError {
        var message = String(cString: curl_easy_strerror(code))
        let detail = detail.trimmingTrailingNewlines()
        if !detail.isEmpty, detail != message { message += ": " + detail }
        return CurlError(operation: operation, code: Int(code.rawValue), message: message)
    }

    /// An error for multi-interface code `code`.
    static func multi(_ operation: String, _ code: CURLMcode) -> CurlError {
        CurlError(operation: operation, code: Int(code.rawValue), message: String(cString: curl_multi_strerror(code)))
    }

    /// An error raised by the client itself, not by curl.
    static func client(_ operation: String, _ message: String) -> CurlError {
        CurlError(operation: operation, code: -1, message: message)
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while let last = text.last, last.isNewline || last == " " { text = text.dropLast() }
        return String(text)
    }
}
