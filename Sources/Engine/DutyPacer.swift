import Foundation

/// Keeps a thread's computing to a share of the wall clock: called between pieces of work, it
/// sleeps once the thread has used `SessionLearningConfiguration.dutySliceSeconds` of CPU since
/// the last sleep, for that slice × (1 − duty) / duty. At duty 1 it never sleeps.
struct DutyPacer {
    let duty: Double
    private var sliceStart: Double
    /// Seconds slept so far.
    private(set) var slept = 0.0

    init(duty: Double) {
        self.duty = min(1, max(0.01, duty))
        sliceStart = SessionLearner.threadCPUSeconds()
    }

    /// Sleeps when the slice is used up (and duty < 1). With `behind` (the stream has a backlog:
    /// the lists' latency is then the backlog's), never: the slice starts again instead.
    mutating func pause(behind: Bool = false) {
        guard duty < 1 else { return }
        if behind {
            sliceStart = SessionLearner.threadCPUSeconds()
            return
        }
        let now = SessionLearner.threadCPUSeconds()
        let used = now - sliceStart
        guard used >= SessionLearningConfiguration.dutySliceSeconds else { return }
        let rest = used * (1 - duty) / duty
        Thread.sleep(forTimeInterval: rest)
        slept += rest
        sliceStart = SessionLearner.threadCPUSeconds()
    }
}
