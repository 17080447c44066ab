import Linalg
import Models

/// What sharing item state with other instances keeps beside the model: for every item row the
/// part already shared (vector, bias, event count; popularity keeps its own), the rows changed
/// here since the last batch, this instance's author id and batch count, and the newest
/// sequence applied per other author.
///
/// A row's own, unsent change is its value minus its shared part; a batch sends those changes
/// and makes them shared; a batch received is added to both, so it never goes out again.
public final class ItemShareLedger {
    /// This instance's author id (made at its start).
    public let author: String
    /// Batches this instance has made.
    public internal(set) var sequence: UInt64 = 0
    /// Per author (this instance's earlier runs included), the sequence up to which every batch
    /// is applied.
    public internal(set) var appliedSequence: [String: UInt64] = [:]
    /// Per author, sequences applied beyond `appliedSequence` (batches read out of order: an
    /// author's batches may lie in several partitions, or one sent again after a failure).
    public internal(set) var appliedAbove: [String: Set<UInt64>] = [:]
    let journal = ItemChangeJournal()
    let sharedFactors: FactorMatrix
    var sharedBias: [Float] = []
    var sharedCount: [Int32] = []
    var sharedRatingEvents: Int64 = 0
    var sharedRatingSum: Double = 0
    /// What was sent and received (for metrics).
    public internal(set) var statistics = ItemShareStatistics()

    init(author: String, factors: Int) {
        self.author = author
        sharedFactors = FactorMatrix(cols: factors)
    }

    /// Whether `author`'s batch `sequence` is in the state.
    func holds(author: String, sequence: UInt64) -> Bool {
        sequence <= (appliedSequence[author] ?? 0) || (appliedAbove[author]?.contains(sequence) ?? false)
    }

    /// Notes `author`'s batch `sequence` as applied.
    func noteApplied(author: String, sequence: UInt64) {
        var high = appliedSequence[author] ?? 0
        var above = appliedAbove[author] ?? []
        above.insert(sequence)
        while above.remove(high + 1) != nil { high += 1 }
        appliedSequence[author] = high
        appliedAbove[author] = above.isEmpty ? nil : above
    }

    /// Adds the shared part of a new row: its start, which every instance makes alike.
    func addRow(from model: OnlineMF, row: Int32) {
        let source = model.itemFactors.rowBuffer(Int(row))
        _ = sharedFactors.appendRow { $0.baseAddress!.update(from: source.baseAddress!, count: source.count) }
        sharedBias.append(model.itemBias[Int(row)])
        sharedCount.append(model.itemCount[Int(row)])
    }

    /// Makes everything the model holds now count as shared (at the start, or after a restore).
    func adopt(_ model: OnlineMF) {
        precondition(sharedFactors.rows == 0, "ItemShareLedger.adopt on a ledger that has rows")
        for r in 0..<model.items { addRow(from: model, row: Int32(r)) }
        sharedRatingEvents = model.configuration.feedback == .explicit ? model.eventCount : 0
        sharedRatingSum = Double(model.globalMean) * Double(sharedRatingEvents)
        _ = journal.take()
    }

    /// Makes row `row`'s vector and bias as they are now count as shared: a local overwrite
    /// (a cold item placed from its side information) that other instances make for themselves.
    func adoptRow(_ row: Int32, from model: OnlineMF) {
        let r = Int(row)
        guard r < sharedFactors.rows else { return }
        sharedFactors.row(r).update(from: model.itemFactors.row(r), count: model.factors)
        sharedBias[r] = model.itemBias[r]
    }
}
