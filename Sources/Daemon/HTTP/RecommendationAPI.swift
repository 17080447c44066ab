import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Pipeline

/// The daemon's HTTP endpoints over a running pipeline:
///
/// - `GET /healthz`: 200 while the process serves requests.
/// - `GET /readyz`: 200 when partitions are assigned and the lag is within bounds, else 503.
/// - `GET /metrics`: Prometheus text exposition (when a registry is given).
/// - `GET /v1/users/{id}/recommendations?k=`: the list last published for the user while no
///   newer event of theirs waits for a refresh (the exact output-topic record), otherwise one
///   computed now (stale, evicted from the cache, or longer `k`); header
///   `streamrec-list: published|computed`. A user of a partition this instance does not own
///   (another member of the group does) gets 404 with the partition in `streamrec-partition`.
/// - `GET /v1/items/{id}/similar?k=`: nearest items by cosine of the item factors.
/// - `GET /v1/items/{id}` and the `?attribute=`/`?exclude=` list filters: see `RecommendationAPI+Items`.
/// - `POST /v1/events`: events (one JSON object, or JSON lines) produced to the input topic; 202.
///
/// With `configuration.authToken` set, every `/v1` path needs `Authorization: Bearer <token>`
/// (401 `unauthorized` otherwise); the health, readiness and metrics endpoints stay open.
public struct RecommendationAPI: Sendable {
    /// The pipeline queried.
    public let pipeline: StreamPipeline
    /// Published lists by user.
    public let cache: ListCache
    /// Where posted events go (nil: `POST /v1/events` answers 503).
    public let intake: EventIntake?
    /// Metrics rendering (nil: `/metrics` answers 404).
    public let metrics: MetricsExposition?
    /// Limits and readiness bound.
    public let configuration: HTTPServiceConfiguration
    let logger: Logger

    /// Creates the API. Install `cache.record` as the pipeline's `onPublish` (see
    /// `HTTPService.init`) so published lists can be served as they were sent.
    public init(pipeline: StreamPipeline, cache: ListCache, intake: EventIntake?, metrics: MetricsExposition?,
                configuration: HTTPServiceConfiguration, logger: Logger) {
        self.pipeline = pipeline
        self.cache = cache
        self.intake = intake
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
    }

    private static let listSourceHeader = HTTPField.Name("streamrec-list")!
    private static let partitionHeader = HTTPField.Name("streamrec-partition")!

    /// The largest `k` accepted (also bounded by what the scorer can select).
    var maxK: Int { min(configuration.maxK, max(pipeline.engineConfiguration.topK, 100)) }

    /// A router with every endpoint and JSON errors.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(logger: logger))
        if let token = configuration.authToken {
            router.add(middleware: BearerAuthMiddleware(token: token))
        }
        router.get("/healthz") { _, _ in
            JSONResponse.bytes(Array(#"{"status":"alive"}"#.utf8))
        }
        router.get("/readyz") { _, _ in readiness() }
        router.get("/metrics") { _, _ in
            guard let metrics else { throw APIError(.notFound, "metrics are not enabled") }
            return JSONResponse.bytes(metrics.render(), contentType: MetricsExposition.contentType)
        }
        router.get("/v1/users/:id/recommendations") { request, context in
            let user = try context.parameters.require("id")
            let k = try k(request, default: pipeline.engineConfiguration.topK)
            if let filter = try listFilter(request) { return try filteredRecommendations(user: user, k: k, filter: filter) }
            return try recommendations(user: user, k: k)
        }
        router.get("/v1/items/:id") { _, context in
            try item(try context.parameters.require("id"))
        }
        router.get("/v1/items/:id/similar") { request, context in
            try similar(item: try context.parameters.require("id"), k: try k(request, default: 10))
        }
        router.post("/v1/events") { request, _ in
            try await postEvents(request)
        }
        return router
    }

    func k(_ request: Request, default fallback: Int) throws(APIError) -> Int {
        guard let text = request.uri.queryParameters.get("k") else { return min(fallback, maxK) }
        guard let k = Int(text), (1...maxK).contains(k) else {
            throw APIError(.badRequest, "k must be an integer from 1 to \(maxK), got '\(text)'")
        }
        return k
    }

    func readiness() -> Response {
        let stats = pipeline.statsSnapshot()
        if let problem = Readiness.problem(stats, maxLag: configuration.readyMaxLag) {
            return JSONErrorMiddleware<BasicRequestContext>.response(APIError(.unavailable, problem))
        }
        let partitions = stats.assignedPartitions.map(String.init).joined(separator: ",")
        return JSONResponse.bytes(Array(#"{"status":"ready","lag":\#(stats.lag),"applied":\#(stats.appliedTotal),"applied_owned":\#(stats.appliedOwned),"partitions":[\#(partitions)]}"#.utf8))
    }

    private enum Answer {
        case unknown
        case published(RecommendationList)
        case computed(RecommendationList?)
    }

    func recommendations(user: String, k: Int) throws(APIError) -> Response {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Only the owner of the user's partition answers: another instance's copy may be stale.
        let owner = pipeline.ownership(ofUser: user)
        if !owner.owned, let partition = owner.partition {
            var response = JSONErrorMiddleware<BasicRequestContext>.response(APIError(.notFound,
                "user '\(user)' belongs to input partition \(partition), which this instance does not own now: "
                + "ask the instance that owns it, or read the user's current list from the output topic (key = user id)"))
            response.headers[Self.partitionHeader] = String(partition)
            return response
        }
        let answer: Answer = pipeline.withCore { core in
            guard let row = core.users.index(of: user) else { return .unknown }
            // The cached record is still the user's current list when no event arrived since the
            // last refresh (not dirty) and it holds the items that refresh kept (an unchanged
            // list is not republished, so its record may predate the user's latest event).
            let u = Int(row)
            if !core.table.isDirty[u], let list = cache.list(for: user), list.items.count >= k,
               list.items.count == core.table.lastList[u].count,
               zip(list.items, core.table.lastList[u]).allSatisfy({ $0.item == core.items.id(at: $1) }) {
                return .published(list)
            }
            return .computed(core.currentList(for: user, k: k, wallClockMs: now))
        }
        switch answer {
        case .unknown:
            throw APIError(.notFound, "unknown user '\(user)'")
        case .published(var list):
            if list.items.count > k { list.items.removeLast(list.items.count - k) }
            return JSONResponse.bytes(list.jsonBytes(), extra: [(Self.listSourceHeader, "published")])
        case .computed(let list):
            guard let list else { throw APIError(.unavailable, "no items known yet") }
            return JSONResponse.bytes(list.jsonBytes(), extra: [(Self.listSourceHeader, "computed")])
        }
    }

    func similar(item: String, k: Int) throws(APIError) -> Response {
        let (found, version, model) = pipeline.withCore { core in
            (ItemSimilarity.similar(to: item, k: k, in: core), core.appliedEvents, core.configuration.modelName)
        }
        guard let found else { throw APIError(.notFound, "unknown item '\(item)'") }
        var out: [UInt8] = []
        out.append(contentsOf: #"{"item":"#.utf8)
        JSONText.appendString(item, to: &out)
        out.append(contentsOf: #","items":"#.utf8)
        JSONText.appendScoredItems(found.map { (item: $0.item, score: $0.score) }, to: &out)
        out.append(contentsOf: #","model":"#.utf8)
        JSONText.appendString(model, to: &out)
        out.append(contentsOf: #","version":\#(version)}"#.utf8)
        return JSONResponse.bytes(out)
    }

    func postEvents(_ request: Request) async throws -> Response {
        guard let intake else { throw APIError(.unavailable, "event intake is not enabled") }
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.payloadTooLarge, "the body has \(length) bytes; the limit is \(limit)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.payloadTooLarge, "the body is larger than the limit of \(limit) bytes")
        }
        let accepted = try intake.accept(Array(buffer.readableBytesView))
        return JSONResponse.bytes(Array(#"{"accepted":\#(accepted),"topic":"#.utf8) + Self.quoted(intake.topic) + [UInt8(ascii: "}")],
                                  status: .accepted)
    }

    private static func quoted(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        JSONText.appendString(s, to: &out)
        return out
    }
}
