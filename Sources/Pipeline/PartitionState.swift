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
    /// What the group's committed position for the partition was when this instance last
    /// knew it (its own last successful commit, or what it read at assignment), and the marker
    /// id committed with it.
    var groupOffset: Int64?
    var groupMarker: String?
    /// The last commit of the state held was refused because a rebalance was in progress (the
    /// coordinator knew this member and its generation): the round it named is delivered, only
    /// its commit is missing.
    var commitRefusedInRebalance = false

    /// Whether the state held equals the group's committed position `offset` with `metadata`
    /// (the marker id committed with it; empty when the broker keeps none, then the offset alone
    /// decides). Every consumed message moves `position`, so equal offsets mean nothing was
    /// applied here past the committed round.
    func matches(committedOffset offset: Int64?, metadata: String?) -> Bool {
        guard let position, let offset, position == offset else { return false }
        if let metadata, !metadata.isEmpty { return metadata == marker }
        return true
    }

    /// Whether the state held may be taken up again although it is ahead of the group's
    /// committed position: its newest round is delivered, only the round's commit was refused
    /// for a rebalance in progress, and the group still holds the position this instance last
    /// knew. The partition comes straight back to this instance in the next generation (a
    /// suspended state of a partition assigned elsewhere is dropped at that assignment), so no
    /// other member applied any of its events meanwhile; the missing commit follows in the
    /// next round.
    func resumable(committedOffset offset: Int64?, metadata: String?) -> Bool {
        guard commitRefusedInRebalance, let position, marker != nil, markerOffset == position else { return false }
        return offset == groupOffset && (metadata ?? "") == (groupMarker ?? "")
    }
}
