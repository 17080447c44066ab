import Engine
import Models

/// Turns an S3-Rec attribute table into the session encoder's attribute input
/// (``SessionItemFeatures``) over a data set's item index.
///
/// Attributes are numbered in order of first appearance over the items in index order (only
/// attributes of the data set's items count). `--set attrenc=` chooses the input:
/// - `autoencoder` (default): the item's multi-hot attributes are first compressed by an
///   ``AttributeAutoencoder`` (`aecode` code units, default 32; `aeepochs` passes, default 20;
///   Adam step 0.01, seeded), and the input adds the code times a learned code-to-embedding table;
/// - `embedding`: each item's input adds the mean of its attributes' learned embeddings;
/// - `hashed`: the same mean over `buckets` (default 4,096) rows, each attribute name hashed
///   to one (``SessionAttributeBucket``): the input the daemon's own session learner builds
///   from the item topic.
/// Items without attributes get no attribute term either way. The default was chosen on Beauty's
/// validation split (`--set validation=1`): hybrid NDCG@10 0.0581 with the autoencoder, 0.0567
/// with the embedding mean (docs/RESULTS.md).
enum SessionAttributeInput {
    /// The encoders `attrenc` accepts.
    static let encoders = ["autoencoder", "embedding", "hashed"]
    /// The encoder used when `attrenc` is not set.
    static let defaultEncoder = "autoencoder"

    /// Attribute rows over `itemIds` (index order) and the number of distinct attributes.
    static func rows(_ attributes: ItemAttributes, itemIds: [String]) -> (rows: [[Int32]], count: Int) {
        var index: [String: Int32] = [:]
        let rows = itemIds.map { id in
            (attributes.byItem[id] ?? []).map { name in
                if let a = index[name] { return a }
                let a = Int32(index.count)
                index[name] = a
                return a
            }
        }
        return (rows, index.count)
    }

    /// The features for `itemIds`, or nil when no item of the data set has an attribute.
    static func features(_ attributes: ItemAttributes, itemIds: [String], options: ModelOptions, seed: UInt64,
                         progress: (Progress) -> Void = { _ in }) throws -> SessionItemFeatures? {
        let (rows, count) = rows(attributes, itemIds: itemIds)
        guard count > 0 else { return nil }
        let encoder = options.string("attrenc", defaultEncoder)
        switch encoder {
        case "embedding":
            return try SessionItemFeatures(featureCount: count, attributes: rows)
        case "hashed":
            let buckets = try options.int("buckets", SessionLearningConfiguration().attributeBuckets)
            guard (1...SessionLearningConfiguration.maxAttributeBuckets).contains(buckets) else {
                throw EvaluationError(.invalidOption, "buckets must be within 1...\(SessionLearningConfiguration.maxAttributeBuckets)")
            }
            return try SessionAttributeBucket.features(itemIds.map { attributes.byItem[$0] ?? [] }, buckets: buckets)
        case "autoencoder":
            let code = try options.int("aecode", 32)
            let epochs = try options.int("aeepochs", 20)
            guard code > 0, epochs >= 0 else {
                throw EvaluationError(.invalidOption, "aecode must be positive and aeepochs not negative")
            }
            let autoencoder = AttributeAutoencoder(attributeCount: count, codeSize: code, seed: seed &+ 0xAE)
            let losses = autoencoder.train(rows, epochs: epochs, seed: seed &+ 0xAE1)
            let first = losses.first.map { EvaluationResult.number($0, digits: 3) } ?? "-"
            let last = losses.last.map { EvaluationResult.number($0, digits: 3) } ?? "-"
            progress(Progress(stage: "attributes: autoencoder \(count) → \(code), reconstruction loss \(first) → \(last) over \(losses.count) passes",
                              completed: 0, total: 0))
            return try SessionItemFeatures(featureCount: code, denseRows: autoencoder.codes(rows))
        default:
            throw EvaluationError(.invalidOption, "attrenc=\(encoder): expected \(encoders.joined(separator: " or "))")
        }
    }
}
