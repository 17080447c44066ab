import Models

/// The held-out events of a round as the pipeline thread hands them over (a copy of what was
/// captured and the item map), expanded by the trainer thread into the validation examples
/// (`expand`): each event's window, its item, the items the user had seen before it (marked
/// `-infinity` in the captured MF row), and the user's MF scores laid out over the session vocabulary.
struct SessionValidationDraft: Sendable {
    let captured: SessionHeldOut
    /// Session vocabulary index of each engine item row (-1: none).
    let itemMap: [Int32]
    let vocabulary: Int

    /// The validation examples: histories, targets, excluded items, MF rows (`vocabulary` wide).
    func expand() -> (histories: [[SessionStep]], targets: [Int], excluded: [[Int]], mf: [Float]) {
        var histories: [[SessionStep]] = [], targets: [Int] = [], excluded: [[Int]] = []
        var mfRows: [Float] = []
        guard captured.count > 0, vocabulary > 0 else { return (histories, targets, excluded, mfRows) }
        var engineRowOf = [Int32](repeating: -1, count: vocabulary)
        for (row, s) in itemMap.enumerated() where s >= 0 && Int(s) < vocabulary { engineRowOf[Int(s)] = Int32(row) }
        let n = captured.scoreWidth
        for e in 0..<captured.count {
            let history = captured.history(e)
            let target = Int(captured.targets[e])
            guard !history.isEmpty, target >= 0, target < vocabulary else { continue }
            histories.append(history)
            targets.append(target)
            let width = captured.widths[e]
            let row = captured.scores[(e * n)..<(e * n + width)]
            // Items seen before the event score -infinity: they are left out of the ranking (and
            // score the row's minimum in the MF row handed on, like items registered later).
            let floor = row.lazy.filter { $0 > -.infinity }.min() ?? 0
            let base = mfRows.count
            mfRows += [Float](repeating: floor, count: vocabulary)
            var left: [Int] = []
            for s in 0..<vocabulary where engineRowOf[s] >= 0 && Int(engineRowOf[s]) < width {
                let score = row[e * n + Int(engineRowOf[s])]
                if score == -.infinity {
                    if s != target { left.append(s) }
                } else {
                    mfRows[base + s] = score
                }
            }
            excluded.append(left)
        }
        return (histories, targets, excluded, mfRows)
    }

    /// Whether captured example `e` yields a validation example (a window and a known item).
    func isUsable(_ e: Int) -> Bool {
        let target = Int(captured.targets[e])
        return captured.lengths[e] > 0 && target >= 0 && target < vocabulary
    }
}
