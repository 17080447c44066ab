/// Timing of the per-event session update path.
public struct SessionBenchmarkResult: Sendable, CustomStringConvertible {
    /// Hidden size H of the measured model.
    public var hiddenSize: Int
    /// Window length W.
    public var windowLength: Int
    /// Timed updates (after warm-up).
    public var updates: Int
    /// Mean microseconds per update (append to the window + re-encode both directions).
    public var meanMicroseconds: Double
    /// Median microseconds per update.
    public var medianMicroseconds: Double
    /// 99th-percentile microseconds per update.
    public var p99Microseconds: Double
    /// Mean microseconds to score every item for one session vector (one sgemm row).
    public var scoreMicroseconds: Double
    /// Items scored.
    public var itemCount: Int

    public var description: String {
        func f(_ v: Double) -> String { String(Double(Int((v * 10).rounded())) / 10) }
        return "session update H=\(hiddenSize) W=\(windowLength): mean \(f(meanMicroseconds)) µs, "
            + "median \(f(medianMicroseconds)) µs, p99 \(f(p99Microseconds)) µs over \(updates) updates; "
            + "scoring \(itemCount) items: \(f(scoreMicroseconds)) µs"
    }
}
