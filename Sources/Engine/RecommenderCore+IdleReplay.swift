import Dispatch
import Models

extension RecommenderCore {
    /// Replays seen items through the MF learner while the stream is quiet (`MFIdleReplay`):
    /// once no event has been applied for `SessionLearningConfiguration.quietMs` and budget is
    /// left, replays user rows until `budgetMs` have passed (at least one row), finishing and
    /// starting epochs as it goes. Call between events, as often as the loop comes round; it
    /// returns whether more replay work is waiting (the caller may poll without waiting long).
    @discardableResult
    public func replayWhileQuiet(wallClockMs: Int64, budgetMs: Double = 20) -> Bool {
        let epochs = configuration.idleEpochs
        guard mfIdleReplayOn, wallClockMs > 0 else { return false }
        // The stream moved: wait for the next quiet spell (an epoch under way goes on then;
        // users that arrived meanwhile wait for the next epoch).
        if mfIdle.quiet.look(applied: appliedEvents, wallClockMs: wallClockMs) { return false }
        guard mfIdle.quiet.isQuiet(at: wallClockMs) else { return false }
        if !mfIdle.inEpoch { mfIdle.renewIfDue(appliedEvents: appliedEvents) }
        guard mfIdle.budgetLeft(epochs) else { return false }
        if !mfIdle.inEpoch {
            guard users.count > 0 else { return false }
            mfIdle.startEpoch(rows: users.count)
        }
        let weight = configuration.typeWeights[.click] ?? 1
        let negatives = max(1, configuration.idleNegatives)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, budgetMs) * 1e6)
        // The clock is read every 64 rows, or sooner after 8,192 steps (users with many items).
        var visited = 0, stepsSinceCheck = 0
        while mfIdle.position < mfIdle.rows {
            let row = Int32(mfIdle.currentRow)
            mfIdle.position += 1
            visited += 1
            // A freed row (its user evicted or moved away) has no id and nothing to replay.
            if !users.id(at: row).isEmpty {
                let seen = table.seen[Int(row)]
                if !seen.isEmpty {
                    for item in seen { model.replay(user: row, item: item, value: weight, negatives: negatives) }
                    mfIdle.pairsThisEpoch += Int64(seen.count)
                    mfIdle.stepsTotal += Int64(seen.count)
                    stepsSinceCheck += seen.count
                    if tracksChanges { markChanged(row) }
                }
            }
            if visited & 63 == 0 || stepsSinceCheck >= 8_192 {
                stepsSinceCheck = 0
                if DispatchTime.now().uptimeNanoseconds >= deadline { break }
            }
        }
        if mfIdle.position >= mfIdle.rows { mfIdle.finishEpoch() }
        return mfIdle.inEpoch || mfIdle.budgetLeft(epochs)
    }

    /// MF replay epochs finished while the stream was quiet, since the engine started.
    public var mfIdleEpochs: Int64 { mfIdle.epochsTotal }

    /// Replay steps (one seen item of one user) taken while the stream was quiet.
    public var mfIdleSteps: Int64 { mfIdle.stepsTotal }

    /// Whether the quiet-stream replay has nothing left to do under its current budget (always
    /// true when it is off). Renewal waits for new events, so a quiet stream's budget ends.
    public var mfIdleReplayOver: Bool {
        guard mfIdleReplayOn else { return true }
        var probe = mfIdle
        if !probe.inEpoch { probe.renewIfDue(appliedEvents: appliedEvents) }
        return appliedEvents == 0 || !(probe.inEpoch || probe.budgetLeft(configuration.idleEpochs))
    }

    /// Whether the quiet-stream replay is configured: passes asked for, implicit feedback.
    private var mfIdleReplayOn: Bool { configuration.idleEpochs > 0 && configuration.model.feedback == .implicit }
}
