/// A training round being taken a slice at a time: the replay buffer was walked, the held-out
/// events set aside and the next ones armed when it began; the windows of `rest` are packed a few
/// thousand users per refresh (`RecommenderCore.packSessionRound`), so taking a round at 100,000
/// users does not hold the pipeline thread for the whole copy. Each window is copied as it is
/// when its slice is packed, with its state's identity for the new model's forward states
/// (`SessionWarmStates`), so a user whose state changed meanwhile is still carried correctly.
struct SessionRoundDraft {
    /// The round as far as it is taken (its pack and warm notes grow slice by slice).
    var round: SessionRound
    /// Users whose windows are packed, in random order, and the next one to pack.
    var rest: [Int]
    var next = 0
    /// Training examples packed so far.
    var examples = 0
    /// Users left out of training (held-out events), for the spilled windows packed at the end.
    var held: Set<Int>
    /// Replay buffer steps walked, and those the serving model knew (its bytes and users are the
    /// round's).
    var steps: Int
    var covered: Int
    /// Most users the replay buffer holds, and the serving model's item count at the walk.
    var cap: Int
    var known: Int32

    /// Whether every window of `rest` that fits the example budget is packed.
    func packed(maxExamples: Int) -> Bool { next >= rest.count || examples >= maxExamples }
}
