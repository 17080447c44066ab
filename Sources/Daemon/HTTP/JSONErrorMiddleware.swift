import HTTPTypes
import Hummingbird
import Logging

/// Turns every failure into a JSON body `{"error":"…","reason":"…"}` with its status:
/// `APIError` as it is, the framework's own errors (unknown route, body too large) by their
/// status, anything else as a 500 that is logged. A 401 carries `WWW-Authenticate: Bearer`.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.response(error)
        } catch let error as HTTPError {
            let code: APIError.Code = switch error.status.code {
            case 401: .unauthorized
            case 404, 405: .notFound
            case 413: .payloadTooLarge
            case 503: .unavailable
            default: .badRequest
            }
            let reason = error.body ?? (error.status.code == 404 ? "no such endpoint: \(request.method) \(request.uri.path)"
                                                                 : error.status.reasonPhrase)
            var response = Self.response(APIError(code, reason))
            response.status = error.status
            return response
        } catch {
            logger.error("HTTP \(request.method) \(request.uri.path) failed: \(error)")
            var response = Self.response(APIError(.unavailable, "internal error: \(error)"))
            response.status = .internalServerError
            return response
        }
    }

    /// The JSON response of an API error.
    static func response(_ error: APIError) -> Response {
        var response = JSONResponse.bytes(error.jsonBytes, status: error.code.status)
        if error.code == .unauthorized {
            response.headers[.wwwAuthenticate] = #"Bearer realm="streamrec""#
        }
        return response
    }
}
