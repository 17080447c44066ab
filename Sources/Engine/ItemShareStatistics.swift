/// Counts of item-state sharing since the start.
public struct ItemShareStatistics: Sendable, Equatable {
    /// Batches made and handed on, items in them, and their encoded bytes.
    public var batchesSent: Int64 = 0
    /// See `batchesSent`.
    public var itemsSent: Int64 = 0
    /// See `batchesSent`.
    public var bytesSent: Int64 = 0
    /// Batches of other instances applied, items in them, and their bytes.
    public var batchesApplied: Int64 = 0
    /// See `batchesApplied`.
    public var itemsApplied: Int64 = 0
    /// See `batchesApplied`.
    public var bytesApplied: Int64 = 0
    /// Batches skipped: this instance's own, or a sequence already applied.
    public var batchesSkipped: Int64 = 0
    /// Items of applied batches left out because the item table is full.
    public var itemsRefused: Int64 = 0
    /// When the newest applied batch was made (its author's wall clock, epoch ms).
    public var newestAppliedSentAtMs: Int64?
    /// Creates zero counts.
    public init() {}
}
