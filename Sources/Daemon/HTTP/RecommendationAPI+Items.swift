import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Pipeline

/// Item endpoints and list filters:
///
/// - `GET /v1/items/{id}`: what is known of an item (availability, attributes, embedding width,
///   interactions, where its vector comes from).
/// - `?attribute=A` on the recommendations endpoint: only items carrying attribute `A`;
///   `?exclude=i1,i2`: never those items. A filtered list is always computed now.
extension RecommendationAPI {
    /// Most ids `?exclude=` takes.
    static let maxExcluded = 1_000

    /// The `attribute` and `exclude` query parameters (nil: neither given).
    func listFilter(_ request: Request) throws(APIError) -> (attribute: String?, exclude: [String])? {
        let attribute = request.uri.queryParameters.get("attribute")
        let excludeText = request.uri.queryParameters.get("exclude")
        guard attribute != nil || excludeText != nil else { return nil }
        if let attribute, attribute.isEmpty { throw APIError(.badRequest, "attribute must not be empty") }
        let exclude = (excludeText ?? "").split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        if excludeText != nil && exclude.isEmpty { throw APIError(.badRequest, "exclude must name at least one item id (comma-separated)") }
        guard exclude.count <= Self.maxExcluded else {
            throw APIError(.badRequest, "exclude names \(exclude.count) items; at most \(Self.maxExcluded) are accepted")
        }
        return (attribute, exclude)
    }

    /// A list for `user` under `filter`, computed now (header `streamrec-list: computed`).
    func filteredRecommendations(user: String, k: Int, filter: (attribute: String?, exclude: [String])) throws(APIError) -> Response {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let owner = pipeline.ownership(ofUser: user)
        if !owner.owned, let partition = owner.partition {
            throw APIError(.notFound, "user '\(user)' belongs to input partition \(partition), which this instance does not own now: ask the instance that owns it")
        }
        let list: RecommendationList?? = pipeline.withCore { core in
            guard core.users.index(of: user) != nil else { return .none }
            return .some(core.currentList(for: user, k: k, wallClockMs: now, attribute: filter.attribute, exclude: filter.exclude))
        }
        guard let found = list else { throw APIError(.notFound, "unknown user '\(user)'") }
        guard let found else { throw APIError(.unavailable, "no items known yet") }
        return JSONResponse.bytes(found.jsonBytes(), extra: [(HTTPField.Name("streamrec-list")!, "computed")])
    }

    /// `GET /v1/items/{id}`.
    func item(_ id: String) throws(APIError) -> Response {
        guard let info = pipeline.withCore({ $0.itemInfo(id) }) else { throw APIError(.notFound, "unknown item '\(id)'") }
        var out: [UInt8] = []
        out.append(contentsOf: #"{"item":"#.utf8)
        JSONText.appendString(info.item, to: &out)
        out.append(contentsOf: #","available":\#(info.available),"attributes":["#.utf8)
        for (i, a) in info.attributes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(a, to: &out)
        }
        out.append(contentsOf: #"],"embedding_width":\#(info.embeddingWidth),"interactions":\#(info.interactions),"vector":"#.utf8)
        JSONText.appendString(info.vector.rawValue, to: &out)
        out.append(contentsOf: #","from_item_topic":\#(info.fromItemTopic),"ts":\#(info.recordTimestampMs.map(String.init) ?? "null")}"#.utf8)
        return JSONResponse.bytes(out)
    }
}
