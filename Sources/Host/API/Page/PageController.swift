import Hummingbird

/// `GET /ui`: the live page — one HTML document with its style and script inline (no build step,
/// no CDN, nothing fetched but the API itself), served from the binary.
struct PageController: Sendable {
    /// The whole page, put together once.
    static let document: String = PageHTML.text
        .replacingOccurrences(of: "/*@STYLE@*/", with: PageStyle.text)
        .replacingOccurrences(of: "/*@SCRIPT@*/", with: PageScript.text)

    @Sendable func page(_ request: Request, context: some RequestContext) async throws -> Response {
        Response(status: .ok,
                 headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                           .contentSecurityPolicy: "default-src 'self'; img-src 'self' blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self' ws: wss:"],
                 body: .init(byteBuffer: ByteBuffer(string: Self.document)))
    }
}
