import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Trains a `BiGRUSessionModel` by backpropagation through time with Adam.
///
/// Every prefix of every training sequence is one example: the last `windowLength` steps before
/// position `t` predict the item at `t`. Examples are grouped by window length and batched so that
/// each GRU time step is one sgemm over the batch. After each epoch the validation examples are
/// ranked (HR@10, NDCG@10); training stops after `patience` epochs without a better NDCG@10 and
/// returns the best weights.
public final class SessionTrainer {
    /// Settings of the model being trained.
    public let configuration: SessionModelConfiguration
    /// The item attribute rows `train` gives the model (nil without attributes).
    public let itemFeatures: SessionItemFeatures?

    /// Prepares a trainer; throws when the configuration is out of range or `itemFeatures` does
    /// not fit it. `train` needs `itemFeatures` when `configuration.attributeCount > 0`;
    /// `trainRound` takes them from its warm start.
    public init(configuration: SessionModelConfiguration, itemFeatures: SessionItemFeatures? = nil) throws {
        try configuration.validate()
        if itemFeatures != nil { _ = try BiGRUSessionModel.checkedFeatures(itemFeatures, for: configuration) }
        self.configuration = configuration
        self.itemFeatures = itemFeatures
    }

    /// Trains on `sequences` (each oldest first) and returns the best model.
    ///
    /// - validation: examples whose last step is the target and earlier steps the history;
    ///   empty means "train for `epochs` and keep the last weights".
    /// - progress: called after every epoch.
    public func train(
        sequences: [[SessionStep]],
        validation: [[SessionStep]] = [],
        progress: (SessionTrainingProgress) -> Void = { _ in }
    ) throws -> BiGRUSessionModel {
        let c = configuration
        for (u, s) in sequences.enumerated() {
            if let bad = s.first(where: { $0.item < 0 || Int($0.item) >= c.itemCount }) {
                throw SessionModelError(.invalidInput, "sequence \(u) has item \(bad.item) outside 0..<\(c.itemCount)")
            }
        }
        let model = try BiGRUSessionModel(configuration: c, itemFeatures: itemFeatures)
        let negativeCount = c.loss.negativeCount
        let graph = SessionBatchGraph(model: model, maxBatch: c.batchSize, maxNegatives: negativeCount)
        let adam = SessionAdam(count: model.parameterCount, learningRate: c.learningRate, l2: c.l2)
        let gradient = UnsafeMutablePointer<Float>.allocate(capacity: model.parameterCount)
        defer { gradient.deallocate() }
        var negatives = [Int32](repeating: 0, count: negativeCount)
        var rng = SeededGenerator(seed: c.seed &+ 0x5E55_1011)

        // Examples grouped by window length: (sequence, end position) pairs.
        var groups = [[(Int32, Int32)]](repeating: [], count: c.windowLength + 1)
        for (u, s) in sequences.enumerated() where s.count > 1 {
            for end in 1..<s.count { groups[min(end, c.windowLength)].append((Int32(u), Int32(end))) }
        }
        let exampleCount = groups.reduce(0) { $0 + $1.count }
        guard exampleCount > 0 else {
            throw SessionModelError(.invalidInput, "no training example: every sequence needs at least two steps")
        }

        guard c.epochs > 0 else { return model }
        let best = model.copy()
        var bestScore = -Double.infinity
        var bestEpoch = 0
        var sinceBest = 0
        let clock = ContinuousClock()
        let started = clock.now
        for epoch in 1...c.epochs {
            // Shuffle within each length group, cut batches, shuffle the batch order.
            for g in 0..<groups.count where !groups[g].isEmpty { groups[g].shuffle(using: &rng) }
            var batches = Self.batches(of: groups, size: c.batchSize)
            batches.shuffle(using: &rng)
            var lossSum = 0.0
            for batch in batches {
                let members = groups[batch.group][batch.start..<(batch.start + batch.count)]
                graph.prepare(batch: batch.count, steps: max(1, batch.group))
                for (b, e) in members.enumerated() {
                    let s = sequences[Int(e.0)]
                    let end = Int(e.1)
                    graph.load(example: b, window: s[max(0, end - c.windowLength)..<end], target: s[end].item,
                               configuration: c)
                }
                for i in 0..<negativeCount { negatives[i] = Int32(rng.nextInt(below: c.itemCount)) }
                graph.forward(dropout: c.dropout, rng: &rng)
                gradient.update(repeating: 0, count: model.parameterCount)
                let loss = negatives.withUnsafeBufferPointer { graph.loss(c.loss, negatives: $0, gradient: gradient) }
                lossSum += loss
                adam.update(model.parameters, gradient: gradient)
            }
            let metrics = validation.isEmpty ? nil : SessionEvaluator.evaluate(graph: graph, examples: validation)
            let score = metrics?.ndcg10 ?? Double(epoch)
            if score > bestScore {
                bestScore = score
                bestEpoch = epoch
                sinceBest = 0
                best.parameters.update(from: model.parameters, count: model.parameterCount)
            } else {
                sinceBest += 1
            }
            let elapsed = clock.now - started
            progress(SessionTrainingProgress(
                epoch: epoch, trainingLoss: lossSum / Double(max(1, batches.count)), validation: metrics,
                bestEpoch: bestEpoch,
                elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                examples: exampleCount))
            if metrics != nil && sinceBest >= max(1, c.patience) { break }
        }
        return best
    }

    /// Consecutive batches of at most `size` examples cut from each non-empty group, in group order.
    static func batches(of groups: [[(Int32, Int32)]], size: Int) -> [(group: Int, start: Int, count: Int)] {
        var out: [(group: Int, start: Int, count: Int)] = []
        for g in 0..<groups.count where !groups[g].isEmpty {
            var s = 0
            while s < groups[g].count {
                let n = min(size, groups[g].count - s)
                out.append((g, s, n))
                s += n
            }
        }
        return out
    }
}
