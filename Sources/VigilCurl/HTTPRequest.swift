/// One HTTP header field as sent or received; names compare case-sensitively here, use
/// `HTTPResponse.header(_:)` for a case-insensitive lookup.
public struct HTTPHeader: Sendable, Equatable {
    /// The field name, e.g. `content-type`.
    public var name: String
    /// The field value, without surrounding whitespace.
    public var value: String

    /// Creates a header `name: value`.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request for `CurlClient.send`.
public struct HTTPRequest: Sendable {
    /// The method, e.g. `POST` (the default), `GET`, `PUT`, `DELETE`, `HEAD`.
    public var method: String
    /// An absolute `http://` or `https://` URL; other schemes are refused by the client.
    public var url: String
    /// Header fields sent in this order. curl adds `Host`, `Content-Length` and, unless given here,
    /// `Accept: */*`; `Expect: 100-continue` is never sent.
    public var headers: [HTTPHeader]
    /// The body, sent unchanged (ignored for `GET` and `HEAD`).
    public var body: [UInt8]
    /// The longest wait for the TCP (and TLS) connection; default 5 s.
    public var connectTimeout: Duration
    /// The longest time for the whole transfer, connection included; default 30 s.
    public var timeout: Duration
    /// Whether the server's TLS certificate and host name are verified; default true.
    public var verifyTLS: Bool

    /// Creates a request; every field but `url` has a default.
    public init(method: String = "POST", url: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
                connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(30), verifyTLS: Bool = true) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.verifyTLS = verifyTLS
    }

    /// The first problem that would let this request smuggle extra header lines or a broken
    /// request line into the connection, or nil when it is safe to send.
    func problem() -> String? {
        func isToken(_ text: String) -> Bool {
            !text.isEmpty && text.utf8.allSatisfy { byte in
                byte > 0x20 && byte < 0x7F && !"()<>@,;:\\\"/[]?={}".utf8.contains(byte)
            }
        }
        if !isToken(method) { return "invalid HTTP method \"\(method)\"" }
        if url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) { return "the URL contains spaces or control characters" }
        for header in headers {
            if !isToken(header.name) { return "invalid header name \"\(header.name)\"" }
            if header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                return "the value of header \(header.name) contains a line break"
            }
        }
        return nil
    }
}

/// A complete HTTP response: any status, including 4xx and 5xx, is a response, not an error.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200.
    public let status: Int
    /// The header fields of the final response (not those of `100 Continue` or redirects), in order.
    public let headers: [HTTPHeader]
    /// The body bytes.
    public let body: [UInt8]

    /// Creates a response; `CurlClient` does this.
    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name`, compared case-insensitively; the last one wins when repeated.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name.lowercased() == wanted }?.value
    }
}
