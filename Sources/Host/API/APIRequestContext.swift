import Foundation
import Hummingbird
import VigilRouter

/// The API's request context: Hummingbird's basic one, with vigil's one JSON encoder for every
/// `ResponseEncodable` answer (status, stats, errors, the fields of an event page).
package struct APIRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage

    package init(source: Source) { coreContext = .init(source: source) }

    package var responseEncoder: APIJSONEncoder { APIJSONEncoder() }
}

/// Encodes answers with `EnvelopeJSON`'s encoder as `application/json`.
package struct APIJSONEncoder: ResponseEncoder {
    package func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        .json(try EnvelopeJSON.encode(value))
    }
}

extension Response {
    /// A JSON response from UTF-8 bytes.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
