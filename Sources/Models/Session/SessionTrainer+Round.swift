import Linalg

extension SessionTrainer {
    /// What one training round did.
    public struct RoundResult: Sendable {
        /// The trained model (a new instance; the warm start is not modified).
        public var model: BiGRUSessionModel
        /// Mean training loss over the round's batches.
        public var loss: Double
        /// Examples trained on (window → next item).
        public var examples: Int
    }

    /// One pass of continued training from `start`'s weights (the warm start; its item count must
    /// be this trainer's `configuration.itemCount`): every prefix of every sequence is an example,
    /// at most `maxExamples` of them (a seeded random choice when there are more), batched by
    /// window length as in `train`. Adam starts from zero moments. Throws on an item outside the
    /// model or when no sequence has two steps, and with `.cancelled` when `shouldStop` says so
    /// (asked before each batch).
    public func trainRound(from start: BiGRUSessionModel, sequences: [[SessionStep]], maxExamples: Int,
                           seed: UInt64, shouldStop: () -> Bool = { false }) throws -> RoundResult {
        let c = configuration
        guard start.itemCount == c.itemCount, start.layout.total == SessionParameterLayout(c).total else {
            throw SessionModelError(.invalidInput, "warm start has \(start.itemCount) items, the round \(c.itemCount)")
        }
        for (u, s) in sequences.enumerated() {
            if let bad = s.first(where: { $0.item < 0 || Int($0.item) >= c.itemCount }) {
                throw SessionModelError(.invalidInput, "sequence \(u) has item \(bad.item) outside 0..<\(c.itemCount)")
            }
        }
        var rng = SeededGenerator(seed: seed)
        var examples: [(Int32, Int32)] = []
        for (u, s) in sequences.enumerated() where s.count > 1 {
            for end in 1..<s.count { examples.append((Int32(u), Int32(end))) }
        }
        guard !examples.isEmpty else {
            throw SessionModelError(.invalidInput, "no training example: every sequence needs at least two steps")
        }
        examples.shuffle(using: &rng)
        if examples.count > maxExamples { examples.removeLast(examples.count - max(1, maxExamples)) }
        var groups = [[(Int32, Int32)]](repeating: [], count: c.windowLength + 1)
        for e in examples { groups[min(Int(e.1), c.windowLength)].append(e) }

        let model = start.copy()
        let negativeCount = c.loss.negativeCount
        let graph = SessionBatchGraph(model: model, maxBatch: c.batchSize, maxNegatives: negativeCount)
        let adam = SessionAdam(count: model.parameterCount, learningRate: c.learningRate, l2: c.l2)
        let gradient = UnsafeMutablePointer<Float>.allocate(capacity: model.parameterCount)
        defer { gradient.deallocate() }
        var negatives = [Int32](repeating: 0, count: negativeCount)
        var batches = Self.batches(of: groups, size: c.batchSize)
        batches.shuffle(using: &rng)
        var lossSum = 0.0
        // With sampled negatives a batch touches a few hundred rows of the item tables: the update
        // is lazy there (`LazyItemRows`), so a step does not stream every row of every table.
        var lazy = negativeCount > 0 ? LazyItemRows(model: model) : nil
        gradient.update(repeating: 0, count: model.parameterCount)
        for batch in batches {
            if shouldStop() { throw SessionModelError(.cancelled, "training round stopped") }
            let members = groups[batch.group][batch.start..<(batch.start + batch.count)]
            graph.prepare(batch: batch.count, steps: max(1, batch.group))
            for (b, e) in members.enumerated() {
                let s = sequences[Int(e.0)]
                let end = Int(e.1)
                let window = s[max(0, end - c.windowLength)..<end]
                graph.load(example: b, window: window, target: s[end].item, configuration: c)
                for step in window { lazy?.note(step.item) }
                lazy?.note(s[end].item)
            }
            for i in 0..<negativeCount {
                negatives[i] = Int32(rng.nextInt(below: c.itemCount))
                lazy?.note(negatives[i])
            }
            graph.forward(dropout: c.dropout, rng: &rng)
            lossSum += negatives.withUnsafeBufferPointer { graph.loss(c.loss, negatives: $0, gradient: gradient) }
            if lazy != nil {
                lazy!.step(adam, parameters: model.parameters, gradient: gradient)
            } else {
                adam.update(model.parameters, gradient: gradient)
                gradient.update(repeating: 0, count: model.parameterCount)
            }
        }
        return RoundResult(model: model, loss: lossSum / Double(max(1, batches.count)), examples: examples.count)
    }
}
