import Foundation
import Linalg
import Models

#if canImport(Glibc)
import Glibc
#endif

/// The trainer thread of the session model: takes one `SessionRound` at a time, continues the
/// model's training on it (`SessionTrainer.trainRound`), refits the fusion on the held-out
/// events and prepares the serving tables, then leaves the result for the engine to install.
///
/// The engine's thread only hands rounds in and takes results out, under one lock, once per
/// refresh round at most; the events themselves never touch the lock. The thread runs below the
/// pipeline (`SCHED_IDLE`, see `lowerPriority`), is started by the first round and stopped by
/// `stop()` or when the learner is released.
final class SessionLearner: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: SessionRound?
    private var finished: SessionModelUpdate?
    private var busy = false
    private var stopping = false
    private var started = false
    private var exited = false
    /// Whether the stream has a backlog (set by the pipeline): paced rounds then run at full speed.
    private var behind = false
    private var stats = Totals()

    /// What the thread has done, under the lock.
    struct Totals {
        var rounds: Int64 = 0
        var lastLoss: Double?
        var lastNDCG: Double?
        var lastSeconds = 0.0
        var sequences: Int64 = 0
        var seconds = 0.0
        var cpuSeconds = 0.0
        var lastError: String?
        /// Whether the thread runs under `SCHED_IDLE` (false: nice 19, or not started).
        var idlePolicy = false
    }

    init() {}

    deinit { stop() }

    /// Whether a round is queued or being trained.
    var isBusy: Bool {
        condition.lock(); defer { condition.unlock() }
        return busy
    }

    /// The figures so far.
    var totals: Totals {
        condition.lock(); defer { condition.unlock() }
        return stats
    }

    /// Queues `round` unless one is already queued or training; returns whether it was taken.
    @discardableResult
    func submit(_ round: SessionRound) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !busy, !stopping else { return false }
        busy = true
        pending = round
        if !started {
            started = true
            let thread = Thread { [self] in loop() }
            thread.name = "streamrec-session-trainer"
            thread.start()
        }
        condition.broadcast()
        return true
    }

    /// The newest finished round's result, once (nil when none is waiting).
    func take() -> SessionModelUpdate? {
        condition.lock()
        defer { condition.unlock() }
        let update = finished
        finished = nil
        return update
    }

    /// Waits until no round is queued or training (for tests and shutdown).
    func waitIdle() {
        condition.lock()
        while busy { condition.wait() }
        condition.unlock()
    }

    /// Stops the thread after the round in progress.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the thread, cutting the round in progress short at its next batch, and waits until
    /// it has returned (before the process exits: OpenBLAS frees its buffers at exit, under a
    /// round still running).
    func stopAndWait() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while started && !exited { condition.wait() }
        condition.unlock()
    }

    /// Tells the trainer whether the stream has a backlog (see `DutyPacer.pause(behind:)`).
    func setBehind(_ value: Bool) {
        condition.lock(); behind = value; condition.unlock()
    }

    private var isBehind: Bool {
        condition.lock(); defer { condition.unlock() }
        return behind
    }

    /// Whether a stop was asked (read by the training round between batches).
    private var isStopping: Bool {
        condition.lock(); defer { condition.unlock() }
        return stopping
    }

    private func loop() {
        let idle = Self.lowerPriority()
        condition.lock()
        stats.idlePolicy = idle
        condition.unlock()
        while true {
            condition.lock()
            while pending == nil && !stopping { condition.wait() }
            if stopping { exited = true; condition.broadcast(); condition.unlock(); return }
            let round = pending!
            pending = nil
            condition.unlock()

            let cpu0 = Self.threadCPUSeconds()
            var pacer = DutyPacer(duty: round.paced ? round.learning.trainDuty : 1)
            let outcome = Result { try Self.train(round, shouldStop: { [self] in
                pacer.pause(behind: isBehind)
                return isStopping
            }) }
            let cpu = Self.threadCPUSeconds() - cpu0

            condition.lock()
            stats.cpuSeconds += cpu
            switch outcome {
            case .success(let update):
                stats.rounds += 1
                stats.lastLoss = update.loss
                stats.lastNDCG = update.validationNDCG10
                stats.lastSeconds = update.seconds
                stats.sequences += Int64(update.sequences)
                stats.seconds += update.seconds
                stats.lastError = nil
                finished = update
            case .failure(let error):
                stats.lastError = "\(error)"
            }
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Puts the calling thread below the pipeline: the `SCHED_IDLE` policy, so it runs only on a
    /// core no other thread wants and a thread that wakes up takes its core at once (the scheduler
    /// counts a core running only idle-policy threads as free when it places a woken thread); nice
    /// 19 when the policy is refused. Linux threads have their own policy and nice value.
    /// Returns whether `SCHED_IDLE` was taken.
    @discardableResult
    static func lowerPriority() -> Bool {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(0), 0, 19)
        var parameters = sched_param(sched_priority: 0)
        return pthread_setschedparam(pthread_self(), schedIdle, &parameters) == 0
        #else
        return false
        #endif
    }

    /// Linux's `SCHED_IDLE` (not exported by Glibc's Swift module without `_GNU_SOURCE`).
    static let schedIdle: Int32 = 5

    /// CPU seconds used by the calling thread.
    static func threadCPUSeconds() -> Double {
        #if canImport(Glibc)
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        #else
        return 0
        #endif
    }

    /// One round, on the calling thread: the warm start grown to the vocabulary (or a new model),
    /// one pass of training, the fusion refitted on the held-out events, the serving tables built.
    static func train(_ round: SessionRound, shouldStop: () -> Bool = { false }) throws -> SessionModelUpdate {
        let learning = round.learning
        let clock = ContinuousClock()
        let t0 = clock.now
        var c = round.warmStart?.configuration ?? learning.model
        c.itemCount = max(1, round.vocabularyCount)
        c.dropout = learning.model.dropout
        c.learningRate = learning.model.learningRate
        c.batchSize = learning.model.batchSize
        c.loss = learning.model.loss
        c.l2 = learning.model.l2
        let start: BiGRUSessionModel
        if let warm = round.warmStart {
            let seed = UInt64(bitPattern: round.version)
            if let features = round.features, features.itemCount == max(c.itemCount, warm.itemCount) {
                start = try warm.grown(toItems: c.itemCount, features: features, seed: seed)
            } else {
                start = warm.grown(toItems: c.itemCount, seed: seed)
            }
        } else {
            c.seed = learning.model.seed
            if let features = round.features, features.itemCount == c.itemCount {
                c.attributeCount = features.featureCount
                start = try BiGRUSessionModel(configuration: c, itemFeatures: features)
            } else {
                c.attributeCount = 0
                start = try BiGRUSessionModel(configuration: c)
            }
        }
        // The round's windows and held-out events were handed over packed; they are expanded here,
        // on the trainer's thread.
        let sequences = round.pack.sequences
        let validation = round.validation?.expand() ?? (histories: [], targets: [], excluded: [], mf: [])
        let trainer = try SessionTrainer(configuration: start.configuration.with(training: c))
        let result = try trainer.trainRound(from: start, sequences: sequences, maxExamples: learning.maxExamplesPerRound,
                                            seed: UInt64(bitPattern: round.version) &* 0x9E37_79B9,
                                            shouldStop: shouldStop)
        // An idle round that joins the mean serves the mean (measured, fused and encoded below)
        // and hands its own weights on to the next idle round.
        let average = round.joinsAverage ? SessionIdleAverage(adding: result.model, to: round.average) : nil
        let model = average?.model ?? result.model
        var fusion = round.fusion
        var ndcg: Double?
        // Too few held-out events give a noisy fit: refit on at least `minimumValidationEvents`
        // (the round uses what was captured once that many were, or every armed user's was),
        // and move the weights halfway from the previous ones.
        let v = validation.targets.count
        if v > 0 && v >= learning.minimumValidationEvents {
            let n = model.itemCount
            let vectors = model.sessionVectors(histories: validation.histories)
            var sessionScores = [Float](repeating: 0, count: v * n)
            vectors.withUnsafeBufferPointer { vp in
                sessionScores.withUnsafeMutableBufferPointer { model.scoreItems(sessionVectors: vp.baseAddress!, count: v, into: $0.baseAddress!) }
            }
            let measured = validation.mf.withUnsafeBufferPointer { mf in
                sessionScores.withUnsafeBufferPointer { s -> (fitted: HybridFusion?, ndcg10: Double) in
                    // MF moved on since these scores were captured: keep the fusion, measure under it.
                    guard round.refitFusion else {
                        return (nil, HybridFusion.ndcg10(mfScores: mf, sessionScores: s, itemCount: n, targets: validation.targets,
                                                         excluded: validation.excluded, share: round.fusion.sessionShare))
                    }
                    let fit = HybridFusion.fit(mfScores: mf, sessionScores: s, itemCount: n, targets: validation.targets,
                                               excluded: validation.excluded)
                    return (fit.fusion, fit.ndcg10)
                }
            }
            ndcg = measured.ndcg10
            if let fitted = measured.fitted {
                let share = 0.5 * round.fusion.sessionShare + 0.5 * fitted.sessionWeight
                fusion = HybridFusion(mfWeight: 1 - share, sessionWeight: share)
            }
        }
        let encoder = SessionBatchEncoder(model: model)
        // The new model's forward states of the windows trained on: installing it does not send
        // those users' next encodings back to the whole window.
        var warm = round.warm
        if !shouldStop() { warm.encode(sequences: sequences, with: encoder) }
        let seconds = Double((clock.now - t0).components.attoseconds) * 1e-18 + Double((clock.now - t0).components.seconds)
        return SessionModelUpdate(model: model, average: average, fusion: fusion, encoder: encoder, warm: warm, version: round.version, loss: result.loss,
                                  validationNDCG10: ndcg, sequences: sequences.count, examples: result.examples,
                                  seconds: seconds, finishedAtMs: Int64(Date().timeIntervalSince1970 * 1000))
    }
}

extension SessionModelConfiguration {
    /// This shape with `other`'s training settings (dropout, learning rate, L2, batch, loss).
    func with(training other: SessionModelConfiguration) -> SessionModelConfiguration {
        var c = self
        c.dropout = other.dropout
        c.learningRate = other.learningRate
        c.l2 = other.l2
        c.batchSize = other.batchSize
        c.loss = other.loss
        return c
    }
}
