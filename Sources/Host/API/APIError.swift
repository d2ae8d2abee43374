import Foundation
import Hummingbird
import VigilRouter

/// An API error: its status and a JSON body `{"error": "<parameter>: <what was expected>"}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) { self.status = status; self.message = message }

    /// A 400 naming the query or path parameter and what was expected.
    static func badParameter(_ name: String, _ expected: String, found: String? = nil) -> APIError {
        APIError(.badRequest, found.map { "\(name): expected \(expected), found \(APIError.quote($0))" } ?? "\(name): expected \(expected)")
    }

    /// The body: `{"error": "<message>"}`.
    struct Body: Encodable { let error: String }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        .json(try EnvelopeJSON.encode(Body(error: message)), status: status)
    }

    /// A found value for a message: quoted, at most 60 characters.
    static func quote(_ value: String) -> String {
        "\"" + (value.count > 60 ? value.prefix(60) + "…" : value) + "\""
    }
}

/// Turns every error into the API's JSON error body: unknown routes become 404, anything
/// unexpected a 500 that is logged (its details stay in the log, not the response).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound && request.method != .get && Self.isRoute(request.uri.path) {
            var response = try APIError(.methodNotAllowed, "\(request.method.rawValue) \(request.uri.path): only GET is allowed")
                .response(from: request, context: context)
            response.headers[.allow] = "GET"
            return response
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "no such route: \(request.uri.path)" : error.status.reasonPhrase)
            throw APIError(error.status, message)
        } catch {
            context.logger.error("API request failed", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            throw APIError(.internalServerError, "internal error (see the vigil log)")
        }
    }

    /// Whether `path` is one of the API's (GET) routes.
    static func isRoute(_ path: String) -> Bool {
        let s = path.split(separator: "/", omittingEmptySubsequences: true)
        switch s.count {
        case 0: return true
        case 1: return s[0] == "metrics" || s[0] == "openapi.json" || s[0] == "ui"
        case 2: return s[0] == "api" && s[1] == "events"
        case 3: return s[0] == "api" && s[1] == "events"
        case 4: return s[0] == "api" && s[1] == "events" && s[3] == "snapshot"
        default: return false
        }
    }
}
