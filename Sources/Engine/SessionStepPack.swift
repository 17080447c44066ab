import Models

/// Many session windows packed one after another in flat arrays, so taking a round's training
/// sequences on the pipeline thread allocates nothing per window; the trainer unpacks them
/// (`sequences`) on its own thread.
struct SessionStepPack: Sendable {
    private var items: [Int32] = []
    private var types: [UInt8] = []
    private var times: [Int64] = []
    /// End of each window in the flat arrays.
    private var ends: [Int] = []

    /// Windows packed.
    var count: Int { ends.count }

    /// Makes room for `steps` more steps in `windows` more windows, so packing does not regrow
    /// the arrays as it goes.
    mutating func reserve(steps: Int, windows: Int) {
        items.reserveCapacity(items.count + steps)
        types.reserveCapacity(types.count + steps)
        times.reserveCapacity(times.count + steps)
        ends.reserveCapacity(ends.count + windows)
    }

    /// Appends the steps of `w`, oldest first.
    mutating func append(_ w: SessionWindow) {
        w.appendSteps(items: &items, types: &types, times: &times)
        ends.append(items.count)
    }

    /// Appends a window given as item indices and times, oldest first (event type 0: a spilled
    /// window keeps none).
    mutating func append(items more: [Int32], times moreTimes: [Int64?]) {
        items.append(contentsOf: more)
        types.append(contentsOf: repeatElement(0, count: more.count))
        times.append(contentsOf: moreTimes.map { $0 ?? .min })
        ends.append(items.count)
    }

    /// The windows as step arrays, in the order they were packed.
    var sequences: [[SessionStep]] {
        var out: [[SessionStep]] = []
        out.reserveCapacity(ends.count)
        var start = 0
        for end in ends {
            out.append((start..<end).map { k in
                SessionStep(item: items[k], type: types[k], timestampMs: times[k] == .min ? nil : times[k])
            })
            start = end
        }
        return out
    }
}
