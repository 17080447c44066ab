/// Settings of the HTTP API. Every field has a default.
public struct HTTPServiceConfiguration: Sendable {
    /// Address to bind (loopback by default: put a proxy in front to expose it).
    public var address: String
    /// Port to bind; 0 asks the kernel for a free one (see `HTTPService.boundPort()`).
    public var port: Int
    /// Largest summed consumer lag (messages) at which `/readyz` still answers 200.
    public var readyMaxLag: Int64
    /// Largest accepted `POST /v1/events` body, in bytes (413 above).
    public var maxBodyBytes: Int
    /// Largest `k` accepted by the query endpoints (400 above).
    public var maxK: Int
    /// Published lists kept for `GET /v1/users/{id}/recommendations` (most recent users).
    public var listCacheSize: Int
    /// Producer backlog (messages) above which `POST /v1/events` answers 503.
    public var maxOutstandingEvents: Int
    /// Bearer token every `/v1` endpoint requires (`Authorization: Bearer <token>`; 401 without
    /// it); nil: none. `/healthz`, `/readyz` and `/metrics` stay open. Required when `address` is
    /// not a loopback address (see `validate()`).
    public var authToken: String?

    /// Creates a configuration; every argument has the documented default.
    public init(address: String = "127.0.0.1", port: Int = 8080, readyMaxLag: Int64 = 10_000,
                maxBodyBytes: Int = 1 << 20, maxK: Int = 100, listCacheSize: Int = 100_000,
                maxOutstandingEvents: Int = 100_000, authToken: String? = nil) {
        self.address = address
        self.port = port
        self.readyMaxLag = readyMaxLag
        self.maxBodyBytes = maxBodyBytes
        self.maxK = maxK
        self.listCacheSize = listCacheSize
        self.maxOutstandingEvents = maxOutstandingEvents
        self.authToken = authToken
    }

    /// Refuses settings that would open the API to the network without a token: an `address`
    /// other than a loopback one (`127.0.0.0/8`, `::1`, `localhost`) needs `authToken`, and a
    /// token must not be empty.
    public func validate() throws(ConfigurationError) {
        if let authToken, authToken.isEmpty {
            throw ConfigurationError("http.auth_token_file: the token is empty")
        }
        if authToken == nil && !Self.isLoopback(address) {
            throw ConfigurationError("http.address \(address) is not a loopback address: set http.auth_token_file "
                + "(a file holding the bearer token clients must send), or bind 127.0.0.1 behind a proxy")
        }
    }

    /// Whether `address` only accepts connections from this host: an IPv4 address in
    /// `127.0.0.0/8`, `::1` (also `[::1]` and IPv4-mapped loopback), or `localhost`.
    public static func isLoopback(_ address: String) -> Bool {
        var text = address.lowercased()
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text == "localhost" || text == "::1" { return true }
        if text.hasPrefix("::ffff:") { text = String(text.dropFirst(7)) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ p in UInt8(p) != nil && !p.isEmpty }) else { return false }
        return parts[0] == "127"
    }
}
