import Linalg

extension SessionBenchmark {
    /// What `measureRefresh` found.
    public struct RefreshResult: Sendable {
        /// Per event: the window append and stale flag the pipeline thread does on each event, in µs.
        public var appendMicroseconds: Double
        /// Per stale window encoded from scratch by `SessionBatchEncoder` (both directions or
        /// forward only, full windows, chunks of `SessionBatchEncoder.chunk`), in µs: a window
        /// after a new model, a restore or an import.
        public var encodeMicrosecondsPerWindow: Double
        /// Per window that grew by one step since its last encoding, with its forward state
        /// carried (one forward step, the backward direction's `backwardSteps`), in µs: what
        /// serving a list costs the encoder between models.
        public var stepMicrosecondsPerWindow: Double
        /// Bytes of the encoder's precomputed input tables.
        public var tableBytes: Int
    }

    /// Times the serving path of the session state: `SessionState.append` on every event, then a
    /// batched encode of `users` stale full windows, as a refresh round does: from scratch (the
    /// first round, after a new model) and then with the forward state carried. Random weights.
    public static func measureRefresh(
        hiddenSize: Int = 64, windowLength: Int = 20, itemCount: Int = 12_000, users: Int = 4_096,
        rounds: Int = 5, forwardOnly: Bool = false, backwardSteps: Int = 0, seed: UInt64 = 1
    ) throws -> RefreshResult {
        let c = SessionModelConfiguration(itemCount: itemCount, embeddingDimension: 64, hiddenSize: hiddenSize,
                                          windowLength: windowLength, forwardOnly: forwardOnly,
                                          backwardSteps: backwardSteps, seed: seed)
        let model = try BiGRUSessionModel(configuration: c)
        let encoder = SessionBatchEncoder(model: model)
        var states = (0..<users).map { _ in SessionState(model: model) }
        var rng = SeededGenerator(seed: seed)
        var time: Int64 = 1_700_000_000_000
        func nextStep() -> SessionStep {
            time += Int64(rng.nextInt(below: 600_000))
            return SessionStep(item: Int32(rng.nextInt(below: itemCount)), type: UInt8(rng.nextInt(below: 4)), timestampMs: time)
        }
        for u in 0..<users { for _ in 0..<windowLength { states[u].append(nextStep()) } }
        let clock = ContinuousClock()
        var appendSeconds = 0.0, scratchSeconds = 0.0, stepSeconds = 0.0
        var rows = [Int](repeating: 0, count: SessionBatchEncoder.chunk)
        func encodeAll(carried: Bool) {
            for u in 0..<users {
                rows[encoder.loaded] = u
                if carried && states[u].carriesForward {
                    states[u].forwardHidden.withUnsafeBufferPointer {
                        _ = encoder.load(states[u].window, carried: $0.baseAddress!, pending: states[u].pendingSteps)
                    }
                } else {
                    encoder.load(states[u].window)
                }
                if encoder.isFull || u == users - 1 {
                    let n = encoder.loaded
                    encoder.encode()
                    for r in 0..<n {
                        states[rows[r]].store(vector: encoder.vector(r), forwardHidden: encoder.forwardHidden(r), hidden: hiddenSize)
                    }
                }
            }
        }
        // Round 0 encodes every window from scratch; the others carry the forward state.
        for round in 0...max(1, rounds) {
            let steps = (0..<users).map { _ in nextStep() }
            let t0 = clock.now
            for u in 0..<users { states[u].append(steps[u]) }
            let t1 = clock.now
            encodeAll(carried: round > 0)
            let t2 = clock.now
            appendSeconds += seconds(t1 - t0)
            if round == 0 { scratchSeconds += seconds(t2 - t1) } else { stepSeconds += seconds(t2 - t1) }
        }
        let events = Double(users * max(1, rounds))
        return RefreshResult(appendMicroseconds: appendSeconds / (events + Double(users)) * 1e6,
                             encodeMicrosecondsPerWindow: scratchSeconds / Double(users) * 1e6,
                             stepMicrosecondsPerWindow: stepSeconds / events * 1e6, tableBytes: encoder.tableBytes)
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
