import Linalg

/// Where the MF learner's passes over the seen items stand while the stream is quiet
/// (`EngineConfiguration.idleEpochs`, key `model.idle_epochs`).
///
/// An epoch visits every user row once, in an order drawn per epoch (a random offset and a
/// random step coprime with the row count, so no permutation is stored), and replays each of the
/// user's seen items as one implicit step (`OnlineMF.replay`: counts and event totals untouched).
/// An epoch is taken in slices between polls, so the pipeline answers within a slice's time.
/// The budget of epochs is renewed once the events applied since the last renewal reach a tenth
/// of the pairs the last epoch replayed, which bounds the replay work to `11 × idleEpochs` steps
/// per new event on a stream that goes quiet often (10 for the pairs held, 1 for those it added).
struct MFIdleReplay {
    /// Whether the stream is quiet, looked at on every call of the replay.
    var quiet = QuietWatch()
    /// Applied events at the last renewal (nil: never renewed) and epochs finished since.
    var renewedAtEvents: Int64?
    var epochsTaken = 0
    /// Epochs finished since the engine started, and replay steps taken.
    var epochsTotal: Int64 = 0
    var stepsTotal: Int64 = 0
    /// Pairs (user, seen item) the last finished epoch replayed.
    var lastEpochPairs: Int64 = 0
    /// The epoch under way: rows in its order, the next position, the order's offset and step.
    var rows = 0
    var position = 0
    var offset = 0
    var step = 1
    var pairsThisEpoch: Int64 = 0
    var random = SeededGenerator(seed: 0x1D1E_5EED)

    /// Whether `epochs` may still be taken under the current budget.
    func budgetLeft(_ epochs: Int) -> Bool { renewedAtEvents != nil && epochsTaken < epochs }

    /// Renews the budget when the events since the last renewal reach a tenth of the last
    /// epoch's pairs (at once the first time).
    mutating func renewIfDue(appliedEvents: Int64) {
        if let at = renewedAtEvents, appliedEvents - at < max(1, lastEpochPairs / 10) { return }
        renewedAtEvents = appliedEvents
        epochsTaken = 0
    }

    /// Starts an epoch over `rows` rows: a random offset and a random step coprime with `rows`.
    mutating func startEpoch(rows: Int) {
        self.rows = rows
        position = 0
        pairsThisEpoch = 0
        offset = rows > 1 ? Int(random.next() % UInt64(rows)) : 0
        step = 1
        if rows > 2 {
            repeat { step = 1 + Int(random.next() % UInt64(rows - 1)) } while Self.gcd(step, rows) != 1
        }
    }

    /// Whether an epoch is under way (started, rows left to visit).
    var inEpoch: Bool { position < rows }

    /// The row at the epoch's next position.
    var currentRow: Int { (offset + position * step) % rows }

    /// Closes the epoch under way.
    mutating func finishEpoch() {
        epochsTaken += 1
        epochsTotal += 1
        lastEpochPairs = pairsThisEpoch
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
