import Models

/// The serving session model's output side in engine item order: per engine item row its output
/// embedding and bias (zeros for items the model does not know), so one sgemm of a batch's session
/// vectors against it gives session scores already lined up with the MF scores — no mapping pass
/// per user. Rebuilt when the serving model changes or the item map is rebuilt, extended when
/// engine items are added (rows are never reassigned). Not thread-safe; owned by `SessionTracker`.
final class SessionScoreTable {
    let dimension: Int
    /// Engine item rows filled.
    private(set) var rows = 0
    private var capacity = 0
    /// `rows × dimension` output embeddings, row-major.
    private(set) var embeddings: UnsafeMutablePointer<Float>
    /// `rows` item biases.
    private(set) var bias: UnsafeMutablePointer<Float>
    /// The model the rows were copied from.
    private var model: BiGRUSessionModel?
    /// Changes only when rows are filled again (another model, or the item map rebuilt): a cache
    /// built from the table at the same generation holds its first rows still, and only rows
    /// added since are new to it.
    private(set) var generation = 0

    init(dimension: Int) {
        self.dimension = dimension
        embeddings = .allocate(capacity: 1)
        bias = .allocate(capacity: 1)
    }

    deinit {
        embeddings.deallocate()
        bias.deallocate()
    }

    /// Bytes held.
    var bytes: Int { capacity * (dimension + 1) * 4 }

    /// Forgets every row (the item map was rebuilt).
    func reset() {
        rows = 0
        generation += 1
    }

    /// Fills the rows of every engine item in `itemMap` (session index per engine row) from `model`.
    func update(model newModel: BiGRUSessionModel, itemMap: [Int32]) {
        if newModel !== model {
            model = newModel
            rows = 0
            generation += 1
        }
        guard rows < itemMap.count else { return }
        if itemMap.count > capacity {
            let grown = max(itemMap.count, capacity * 2, 64)
            let e = UnsafeMutablePointer<Float>.allocate(capacity: grown * dimension)
            let b = UnsafeMutablePointer<Float>.allocate(capacity: grown)
            e.update(from: embeddings, count: rows * dimension)
            b.update(from: bias, count: rows)
            embeddings.deallocate()
            bias.deallocate()
            embeddings = e
            bias = b
            capacity = grown
        }
        itemMap.withUnsafeBufferPointer { map in
            newModel.copyOutputRows(items: UnsafeBufferPointer(rebasing: map[rows..<map.count]),
                                    embeddings: embeddings + rows * dimension, bias: bias + rows)
        }
        rows = itemMap.count
    }
}
