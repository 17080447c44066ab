import Linalg

extension BiGRUSessionModel {
    /// A copy that scores `itemCount` items (at least the current count): the rows of the items
    /// it already knows (input and output embeddings, item biases) are copied unchanged, the new
    /// items get fresh embeddings (Gaussian, standard deviation `1/√E`, seeded by `seed`) and
    /// bias 0, and every other weight (type and gap embeddings, both GRUs, projection, attribute
    /// table) is copied. New items get no attribute term.
    /// Used when new items enter the vocabulary of a model trained in the daemon.
    public func grown(toItems itemCount: Int, seed: UInt64) -> BiGRUSessionModel {
        let n = max(itemCount, configuration.itemCount)
        return grownUnchecked(toItems: n, features: itemFeatures.reindexed(itemCount: n) { $0 }, seed: seed)
    }

    /// A copy that scores `itemCount` items with the attribute rows `features` (one row per item of
    /// the result; its `featureCount` at least the current `attributeCount`). Known items keep their
    /// rows and known attributes their table rows; new items and new attributes get fresh rows
    /// (Gaussian, `1/√E`, seeded by `seed`). Throws when `features` has fewer items or attributes.
    public func grown(toItems itemCount: Int, features: SessionItemFeatures, seed: UInt64) throws -> BiGRUSessionModel {
        let n = max(itemCount, configuration.itemCount)
        guard features.itemCount == n, features.featureCount >= configuration.attributeCount else {
            throw SessionModelError(.invalidInput, "grown features are \(features.itemCount) × \(features.featureCount); "
                                    + "need \(n) items and at least \(configuration.attributeCount) attributes")
        }
        return grownUnchecked(toItems: n, features: features, seed: seed)
    }

    private func grownUnchecked(toItems n: Int, features: SessionItemFeatures, seed: UInt64) -> BiGRUSessionModel {
        var c = configuration
        c.itemCount = n
        c.attributeCount = features.featureCount
        let other = BiGRUSessionModel(validated: c, features: features)
        let old = layout, new = other.layout, e = old.embedding, known = old.itemCount
        (other.parameters + new.itemIn).update(from: parameters + old.itemIn, count: known * e)
        if new.itemOut != new.itemIn {
            (other.parameters + new.itemOut).update(from: parameters + old.itemOut, count: known * e)
        }
        (other.parameters + new.itemBias).update(from: parameters + old.itemBias, count: known)
        // Everything between the item blocks and the attribute table has the same shape and order in both layouts.
        (other.parameters + new.typeEmbedding).update(from: parameters + old.typeEmbedding,
                                                      count: old.attributeEmbedding - old.typeEmbedding)
        (other.parameters + new.attributeEmbedding).update(from: parameters + old.attributeEmbedding,
                                                           count: old.attributeCount * e)
        var rng = SeededGenerator(seed: seed)
        let std = 1 / Float(e).squareRoot()
        for i in (known * e)..<(new.itemCount * e) { other.parameters[new.itemIn + i] = std * rng.nextGaussian() }
        if new.itemOut != new.itemIn {
            for i in (known * e)..<(new.itemCount * e) { other.parameters[new.itemOut + i] = std * rng.nextGaussian() }
        }
        for i in (old.attributeCount * e)..<(new.attributeCount * e) {
            other.parameters[new.attributeEmbedding + i] = std * rng.nextGaussian()
        }
        return other
    }
}

extension BiGRUSessionModel {
    /// A model of `configuration`'s shape (at least one item) with zero weights: a stand-in that
    /// fixes the window length and vector width before any model is trained. An invalid
    /// configuration gives the default shape.
    public static func placeholder(like configuration: SessionModelConfiguration) -> BiGRUSessionModel {
        var c = configuration
        c.itemCount = max(1, c.itemCount)
        if (try? c.validate()) == nil { c = SessionModelConfiguration(itemCount: 1) }
        return BiGRUSessionModel(validated: c)
    }
}

extension BiGRUSessionModel {
    /// A copy over another item indexing: item `i` of the result (`0..<itemCount`) takes the
    /// input and output embeddings and bias of this model's item `source(i)`, or fresh ones
    /// (Gaussian, `1/√E`, seeded; bias 0) where `source(i)` is nil; item attribute rows move the
    /// same way (none where `source(i)` is nil); every other weight is copied.
    /// Loads a snapshot into the vocabulary of a model trained in the daemon.
    public func reindexed(itemCount: Int, seed: UInt64, source: (Int) -> Int?) -> BiGRUSessionModel {
        var c = configuration
        c.itemCount = max(1, itemCount)
        let other = BiGRUSessionModel(validated: c, features: itemFeatures.reindexed(itemCount: c.itemCount, source: source))
        let old = layout, new = other.layout, e = old.embedding
        (other.parameters + new.typeEmbedding).update(from: parameters + old.typeEmbedding, count: old.total - old.typeEmbedding)
        var rng = SeededGenerator(seed: seed)
        let std = 1 / Float(e).squareRoot()
        for i in 0..<new.itemCount {
            if let j = source(i), j >= 0, j < old.itemCount {
                (other.parameters + new.itemIn + i * e).update(from: parameters + old.itemIn + j * e, count: e)
                if new.itemOut != new.itemIn {
                    (other.parameters + new.itemOut + i * e).update(from: parameters + old.itemOut + j * e, count: e)
                }
                other.parameters[new.itemBias + i] = parameters[old.itemBias + j]
            } else {
                for k in 0..<e { other.parameters[new.itemIn + i * e + k] = std * rng.nextGaussian() }
                if new.itemOut != new.itemIn {
                    for k in 0..<e { other.parameters[new.itemOut + i * e + k] = std * rng.nextGaussian() }
                }
            }
        }
        return other
    }
}
