/// What this instance knows of one input partition's state: whether it is assigned now, where
/// the state it holds resumes, and which changelog round that state equals.
///
/// The state held for a partition is *current* while it is assigned. When the partition is
/// revoked it becomes *suspended*: kept in memory, never applied to and never queried, and used
/// again on a later assignment only if the group's committed position is exactly the round it
/// equals (nobody moved it meanwhile); otherwise it is dropped and restored.
struct PartitionState: Sendable, Equatable {
    /// Assigned to this instance now.
    var assigned = false
    /// Next input offset to consume for the state held (nil: no state held for it).
    var position: Int64?
    /// Id of the newest changelog round this instance wrote (or restored) for the state held.
    var marker: String?
    /// Position of the newest round written (the state's position when it was written).
    var markerOffset: Int64?
    /// User ids written outside the restored chain, to be written again in the next round.
    var orphans: [String] = []
    /// Position last committed to the group by this instance.
    var committedOffset: Int64?

    /// Whether the state held equals the group's committed position `offset` with `metadata`
    /// (the marker id committed with it; empty when the broker keeps none, then the offset alone
    /// decides). Every consumed message moves `position`, so equal offsets mean nothing was
    /// applied here past the committed round.
    func matches(committedOffset offset: Int64?, metadata: String?) -> Bool {
        guard let position, let offset, position == offset else { return false }
        if let metadata, !metadata.isEmpty { return metadata == marker }
        return true
    }
}
