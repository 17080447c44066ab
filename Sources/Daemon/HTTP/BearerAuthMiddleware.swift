import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <token>` on every `/v1` path (the query endpoints and
/// `POST /v1/events`); `/healthz`, `/readyz` and `/metrics` stay open for probes and scrapers.
/// A missing or different token fails with `APIError.Code.unauthorized` (401, JSON body, and a
/// `WWW-Authenticate: Bearer` header added by ``JSONErrorMiddleware``). The token is compared in
/// time that does not depend on where it differs.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    private let token: [UInt8]

    /// Creates the check for `token` (non-empty).
    init(token: String) {
        precondition(!token.isEmpty, "an empty bearer token would let anyone in")
        self.token = Array(token.utf8)
    }

    /// Whether requests to `path` need the token.
    static func isProtected(_ path: String) -> Bool {
        path == "/v1" || path.hasPrefix("/v1/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isProtected(request.uri.path) else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, "this endpoint needs an Authorization: Bearer <token> header")
        }
        guard let presented = Self.credentials(header) else {
            throw APIError(.unauthorized, "the Authorization header is not of the Bearer scheme")
        }
        guard Self.constantTimeEqual(presented, token) else {
            throw APIError(.unauthorized, "the bearer token is not the configured one")
        }
        return try await next(request, context)
    }

    /// The credentials of a `Bearer <token>` header value (scheme case-insensitive), or nil.
    static func credentials(_ header: String) -> ArraySlice<UInt8>? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count > scheme.count,
              zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        var start = scheme.count
        while start < bytes.count, bytes[start] == 0x20 { start += 1 }
        var end = bytes.count
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        return bytes[start..<end]
    }

    /// Equality whose time depends only on the lengths, not on the first differing byte.
    static func constantTimeEqual(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { difference |= 1 }
        let n = max(a.count, b.count)
        var i = 0
        while i < n {
            let x = i < a.count ? a[a.startIndex + i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
            i += 1
        }
        return difference == 0
    }
}
