import Engine
import Pipeline

/// The `/readyz` rule: the item topic read to its end, partitions assigned, lag known, and lag
/// at most the configured bound.
public enum Readiness {
    /// Nil when ready; otherwise the reason it is not.
    public static func problem(_ stats: PipelineStats, maxLag: Int64) -> String? {
        guard !stats.itemsCatchingUp else { return "reading the item topic from its start" }
        guard !stats.itemUpdatesCatchingUp else { return "reading the item updates of the other instances" }
        guard stats.assigned else { return "no input partitions assigned yet" }
        guard stats.lag >= 0 else { return "consumer lag not known yet" }
        guard stats.lag <= maxLag else { return "consumer lag \(stats.lag) is above \(maxLag)" }
        return nil
    }
}
