import CCurl

/// One reusable curl easy handle and the response of its current transfer. Reused across
/// transfers (`curl_easy_reset` keeps its connection and DNS caches); touched only by the
/// client's thread.
final class CurlEasy {
    /// The `CURL *`.
    let handle: UnsafeMutableRawPointer
    /// The transfer it runs now, if any.
    var transfer: CurlTransfer?
    /// The response being received; the write and header callbacks append to it.
    let response = ResponseBuffer()
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var method = "POST"

    init() throws(CurlError) {
        guard let handle = curl_easy_init() else {
            throw CurlError.client("curl_easy_init", "libcurl could not create an easy handle")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Resets the handle and sets every option `request` needs.
    func prepare(_ request: HTTPRequest) throws(CurlError) {
        curl_easy_reset(handle)
        curl_slist_free_all(headerList)
        headerList = nil
        errorBuffer[0] = 0
        response.reset()
        method = request.method.uppercased()

        try set(CURLOPT_ERRORBUFFER, "CURLOPT_ERRORBUFFER", pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, "CURLOPT_NOSIGNAL", 1)
        try set(CURLOPT_URL, "CURLOPT_URL", request.url)
        try set(CURLOPT_PROTOCOLS_STR, "CURLOPT_PROTOCOLS_STR", "http,https")
        try set(CURLOPT_CONNECTTIMEOUT_MS, "CURLOPT_CONNECTTIMEOUT_MS", Self.milliseconds(request.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, "CURLOPT_TIMEOUT_MS", Self.milliseconds(request.timeout))
        try set(CURLOPT_SSL_VERIFYPEER, "CURLOPT_SSL_VERIFYPEER", request.verifyTLS ? 1 : 0)
        try set(CURLOPT_SSL_VERIFYHOST, "CURLOPT_SSL_VERIFYHOST", request.verifyTLS ? 2 : 0)
        try set(CURLOPT_TCP_KEEPALIVE, "CURLOPT_TCP_KEEPALIVE", 1)

        let box = Unmanaged.passUnretained(response).toOpaque()
        try check("CURLOPT_WRITEFUNCTION", vc_easy_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody))
        try set(CURLOPT_WRITEDATA, "CURLOPT_WRITEDATA", pointer: box)
        try check("CURLOPT_HEADERFUNCTION", vc_easy_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader))
        try set(CURLOPT_HEADERDATA, "CURLOPT_HEADERDATA", pointer: box)

        switch method {
        case "GET":
            try set(CURLOPT_HTTPGET, "CURLOPT_HTTPGET", 1)
        case "HEAD":
            try set(CURLOPT_NOBODY, "CURLOPT_NOBODY", 1)
        default:
            // COPYPOSTFIELDS copies the bytes, so the body need not outlive this call.
            try check("CURLOPT_POSTFIELDSIZE_LARGE",
                      vc_easy_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            let body = request.body.isEmpty ? [0] : request.body
            let rc = body.withUnsafeBufferPointer { bytes in
                vc_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            }
            try check("CURLOPT_COPYPOSTFIELDS", rc)
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, "CURLOPT_CUSTOMREQUEST", method) }
        }

        for header in request.headers {
            // "Name:" would tell curl to drop the header; "Name;" sends it with an empty value.
            try append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        // "Name:" drops headers curl would add on its own: Expect: 100-continue, and the
        // form-encoded Content-Type it gives every body the caller did not type.
        try append("Expect:")
        if method != "GET", method != "HEAD", !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            try append("Content-Type:")
        }
        try set(CURLOPT_HTTPHEADER, "CURLOPT_HTTPHEADER", pointer: UnsafeMutableRawPointer(headerList))
    }

    /// The outcome of the transfer that ended with `code`, and how many new connections it opened.
    func finish(_ code: CURLcode) -> (result: Result<HTTPResponse, CurlError>, connects: Int) {
        var connects = 0
        if vc_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK { connects = 0 }
        let operation = "HTTP \(method)"
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            return (.failure(.easy(operation, code, detail: detail)), connects)
        }
        var status = 0
        let rc = vc_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard rc == CURLE_OK else { return (.failure(.easy("curl_easy_getinfo(CURLINFO_RESPONSE_CODE)", rc)), connects) }
        return (.success(HTTPResponse(status: status, headers: response.headers, body: response.body)), connects)
    }

    /// Drops the response and the header list so a parked handle holds no request data.
    func clear() {
        transfer = nil
        response.reset()
        curl_slist_free_all(headerList)
        headerList = nil
        _ = vc_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
    }

    private func append(_ line: String) throws(CurlError) {
        guard let list = curl_slist_append(headerList, line) else {
            throw CurlError.client("curl_slist_append", "out of memory building the header list")
        }
        headerList = list
    }

    private func set(_ option: CURLoption, _ name: String, _ value: Int) throws(CurlError) {
        try check(name, vc_easy_setopt_long(handle, option, value))
    }

    private func set(_ option: CURLoption, _ name: String, _ value: String) throws(CurlError) {
        try check(name, vc_easy_setopt_string(handle, option, value))
    }

    private func set(_ option: CURLoption, _ name: String, pointer: UnsafeMutableRawPointer?) throws(CurlError) {
        try check(name, vc_easy_setopt_pointer(handle, option, pointer))
    }

    private func check(_ name: String, _ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else { throw CurlError.easy("curl_easy_setopt(\(name))", code) }
    }

    /// Whole milliseconds, at least 1 (curl reads 0 as "no timeout").
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        if ms.overflow || seconds > Int64(Int.max / 1000) { return Int.max / 1000 }
        return max(1, Int(ms.partialValue + attoseconds / 1_000_000_000_000_000))
    }
}

/// The response of one transfer as curl hands it over; the callbacks get it through
/// `CURLOPT_WRITEDATA` / `CURLOPT_HEADERDATA` as an unretained pointer.
final class ResponseBuffer {
    var headers: [HTTPHeader] = []
    var body: [UInt8] = []

    func reset() {
        headers = []
        body = []
    }

    /// One raw header line (with its CRLF). A status line starts a new response (after
    /// `100 Continue` or a redirect), so only the final response's headers are kept.
    func addHeaderLine(_ raw: UnsafeRawBufferPointer) {
        var line = Substring(String(decoding: raw, as: UTF8.self))
        while let last = line.last, last.isNewline { line = line.dropLast() }
        if line.hasPrefix("HTTP/") { headers = []; return }
        guard !line.isEmpty else { return }
        if line.first == " " || line.first == "\t", !headers.isEmpty {  // obsolete line folding
            headers[headers.count - 1].value += " " + line.trimmingWhitespace()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        headers.append(HTTPHeader(String(line[..<colon]), line[line.index(after: colon)...].trimmingWhitespace()))
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}

/// CURLOPT_WRITEFUNCTION: appends body bytes to the transfer's `ResponseBuffer`.
private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                           _ user: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let user else { return 0 }
    guard let data, length > 0 else { return length }
    Unmanaged<ResponseBuffer>.fromOpaque(user).takeUnretainedValue().body
        .append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// CURLOPT_HEADERFUNCTION: hands each header line to the transfer's `ResponseBuffer`.
private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                             _ user: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let user else { return 0 }
    guard let data, length > 0 else { return length }
    Unmanaged<ResponseBuffer>.fromOpaque(user).takeUnretainedValue()
        .addHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}
