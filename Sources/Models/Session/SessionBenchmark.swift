import Linalg

/// Benchmarks of the session model, for `streamrec bench` (not run by the tests' assertions).
public enum SessionBenchmark {
    /// Times `SessionState.record` (window append plus a full Bi-GRU re-encode) on a model with
    /// random weights, with full windows, and the scoring of all items for one session vector.
    public static func measureUpdate(
        hiddenSize: Int = 64, windowLength: Int = 20, itemCount: Int = 12_000, updates: Int = 20_000,
        forwardOnly: Bool = false, seed: UInt64 = 1
    ) throws -> SessionBenchmarkResult {
        let c = SessionModelConfiguration(itemCount: itemCount, embeddingDimension: 64, hiddenSize: hiddenSize,
                                          windowLength: windowLength, forwardOnly: forwardOnly, seed: seed)
        let model = try BiGRUSessionModel(configuration: c)
        var workspace = SessionWorkspace(configuration: c)
        var state = SessionState(model: model)
        var rng = SeededGenerator(seed: seed)
        var time: Int64 = 1_700_000_000_000
        func nextStep() -> SessionStep {
            time += Int64(rng.nextInt(below: 600_000))
            return SessionStep(item: Int32(rng.nextInt(below: itemCount)), type: UInt8(rng.nextInt(below: 4)), timestampMs: time)
        }
        for _ in 0..<max(windowLength, 200) { state.record(nextStep(), model: model, workspace: &workspace) }
        let clock = ContinuousClock()
        var samples = [Double](repeating: 0, count: max(1, updates))
        let steps = (0..<samples.count).map { _ in nextStep() }
        for i in 0..<samples.count {
            let t0 = clock.now
            state.record(steps[i], model: model, workspace: &workspace)
            samples[i] = micros(clock.now - t0)
        }
        samples.sort()
        let mean = samples.reduce(0, +) / Double(samples.count)
        var scores = [Float](repeating: 0, count: itemCount)
        let rounds = 200
        let t0 = clock.now
        for _ in 0..<rounds {
            state.vector.withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer { model.scoreItems(sessionVectors: v.baseAddress!, count: 1, into: $0.baseAddress!) }
            }
        }
        let scoring = micros(clock.now - t0) / Double(rounds)
        return SessionBenchmarkResult(
            hiddenSize: hiddenSize, windowLength: windowLength, updates: samples.count, meanMicroseconds: mean,
            medianMicroseconds: samples[samples.count / 2],
            p99Microseconds: samples[min(samples.count - 1, samples.count * 99 / 100)],
            scoreMicroseconds: scoring, itemCount: itemCount)
    }

    private static func micros(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12
    }
}
