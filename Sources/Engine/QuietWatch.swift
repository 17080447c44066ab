/// Tells whether the stream is quiet: the applied-event count last looked at and the wall clock
/// when it was last seen to move. Quiet once events were applied and the count has stood still
/// for `SessionLearningConfiguration.quietMs`.
struct QuietWatch {
    private(set) var lastSeenApplied: Int64 = -1
    private var quietSinceMs: Int64 = 0

    /// Looks at the applied-event count at `wallClockMs`; returns whether it moved since the last look.
    @discardableResult
    mutating func look(applied: Int64, wallClockMs: Int64) -> Bool {
        guard applied != lastSeenApplied else { return false }
        lastSeenApplied = applied
        quietSinceMs = wallClockMs
        return true
    }

    /// Whether events were applied and the count has not moved for `quietMs` before `wallClockMs`.
    func isQuiet(at wallClockMs: Int64) -> Bool {
        lastSeenApplied > 0 && wallClockMs - quietSinceMs >= SessionLearningConfiguration.quietMs
    }
}
