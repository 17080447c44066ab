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

    /// Creates a configuration; every argument has the documented default.
    public init(address: String = "127.0.0.1", port: Int = 8080, readyMaxLag: Int64 = 10_000,
                maxBodyBytes: Int = 1 << 20, maxK: Int = 100, listCacheSize: Int = 100_000,
                maxOutstandingEvents: Int = 100_000) {
        self.address = address
        self.port = port
        self.readyMaxLag = readyMaxLag
        self.maxBodyBytes = maxBodyBytes
        self.maxK = maxK
        self.listCacheSize = listCacheSize
        self.maxOutstandingEvents = maxOutstandingEvents
    }
}
