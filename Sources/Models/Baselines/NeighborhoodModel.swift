import Linalg

/// User- or item-based cosine k-nearest-neighbour recommender (a batch baseline).
///
/// Similarities are cosines between the rows (users) or columns (items) of the training matrix,
/// of binary values by default; each row keeps its `neighbours` most similar peers, with `shrinkage`
/// damping similarities supported by few co-occurrences (`s·n/(n+shrink)`).
/// * ranking: item-based scores `Σ_{i∈N(u)} s_ij`; user-based scores `Σ_{v∈kNN(u)} s_uv·r_v`.
/// * ratings: mean-centred weighted average of the neighbours' ratings, falling back to the mean.
public final class NeighborhoodModel {
    /// Which side neighbours are taken on.
    public enum Kind: String, Sendable, Codable { case user, item }

    /// User- or item-based.
    public let kind: Kind
    /// Neighbours kept per row.
    public let neighbours: Int
    private let data: TrainingData
    private let offsets: [Int]
    private let peers: [Int32]
    private let similarity: [Float]
    private let rowMean: [Float]
    private let globalMean: Float
    private let seen: SeenItems

    /// Number of items.
    public var items: Int { data.items }

    /// Builds the neighbourhoods of `data`.
    public init(_ data: TrainingData, kind: Kind, neighbours: Int = 50, shrinkage: Float = 10, binary: Bool = true) {
        self.kind = kind
        self.neighbours = max(1, neighbours)
        self.data = data
        seen = SeenItems(data)
        globalMean = data.mean
        // Rows of the side we compare, and the other side's adjacency.
        let rows = kind == .item ? data.items : data.users
        let rowOffsets = kind == .item ? data.itemOffsets : data.userOffsets
        let rowCols = kind == .item ? data.itemUsers : data.userItems
        let rowVals = kind == .item ? data.itemValues : data.userValues
        let colOffsets = kind == .item ? data.userOffsets : data.itemOffsets
        let colRows = kind == .item ? data.userItems : data.itemUsers
        let colVals = kind == .item ? data.userValues : data.itemValues
        var norms = [Float](repeating: 0, count: rows)
        var means = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var s: Float = 0, m: Float = 0
            for k in rowOffsets[r]..<rowOffsets[r + 1] {
                let v = binary ? 1 : rowVals[k]
                s += v * v
                m += rowVals[k]
            }
            norms[r] = s.squareRoot()
            let n = rowOffsets[r + 1] - rowOffsets[r]
            means[r] = n > 0 ? m / Float(n) : data.mean
        }
        rowMean = means
        var acc = [Float](repeating: 0, count: rows)
        var support = [Int32](repeating: 0, count: rows)
        var touched: [Int] = []
        let keep = max(1, neighbours)
        var selector = TopKSelector(capacity: keep)
        var o: [Int] = [0], p: [Int32] = [], s: [Float] = []
        for r in 0..<rows {
            for k in rowOffsets[r]..<rowOffsets[r + 1] {
                let c = Int(rowCols[k])
                let a = binary ? 1 : rowVals[k]
                for kk in colOffsets[c]..<colOffsets[c + 1] {
                    let other = Int(colRows[kk])
                    if other == r { continue }
                    if support[other] == 0 { touched.append(other) }
                    acc[other] += a * (binary ? 1 : colVals[kk])
                    support[other] += 1
                }
            }
            for t in touched {
                let cos = acc[t] / max(norms[r] * norms[t], 1e-12)
                acc[t] = cos * Float(support[t]) / (Float(support[t]) + shrinkage)
            }
            acc.withUnsafeBufferPointer { buf in
                selector.select(buf, k: keep, exclude: { support[$0] == 0 }) { idx, sim in
                    p.append(Int32(idx)); s.append(sim)
                }
            }
            for t in touched { acc[t] = 0; support[t] = 0 }
            touched.removeAll(keepingCapacity: true)
            o.append(p.count)
        }
        offsets = o
        peers = p
        similarity = s
    }

    /// Ranking scores of every item for `user`.
    public func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        for j in 0..<data.items { scores[j] = 0 }
        let u = Int(user)
        switch kind {
        case .item:
            for k in data.userOffsets[u]..<data.userOffsets[u + 1] {
                let i = Int(data.userItems[k])
                for n in offsets[i]..<offsets[i + 1] { scores[Int(peers[n])] += similarity[n] }
            }
        case .user:
            for n in offsets[u]..<offsets[u + 1] {
                let v = Int(peers[n]), w = similarity[n]
                for k in data.userOffsets[v]..<data.userOffsets[v + 1] { scores[Int(data.userItems[k])] += w }
            }
        }
    }

    /// Rating estimate: the row mean plus the similarity-weighted mean deviation of the neighbours
    /// that rated the pair (global mean when there is none).
    public func predict(user: Int32, item: Int32) -> Float {
        let u = Int(user), j = Int(item)
        var num: Float = 0, den: Float = 0
        switch kind {
        case .item:
            guard j < data.items else { return globalMean }
            for n in offsets[j]..<offsets[j + 1] {
                let i = Int(peers[n])
                if let r = rating(user: u, item: Int32(i)) {
                    num += similarity[n] * (r - rowMean[i]); den += abs(similarity[n])
                }
            }
            let base = data.itemDegree(j) > 0 ? rowMean[j] : globalMean
            return den > 0 ? base + num / den : base
        case .user:
            for n in offsets[u]..<offsets[u + 1] {
                let v = Int(peers[n])
                if let r = rating(user: v, item: item) {
                    num += similarity[n] * (r - rowMean[v]); den += abs(similarity[n])
                }
            }
            let base = data.userDegree(u) > 0 ? rowMean[u] : globalMean
            return den > 0 ? base + num / den : base
        }
    }

    private func rating(user: Int, item: Int32) -> Float? {
        guard seen.contains(user: user, item: item) else { return nil }
        for k in data.userOffsets[user]..<data.userOffsets[user + 1] where data.userItems[k] == item { return data.userValues[k] }
        return nil
    }
}
