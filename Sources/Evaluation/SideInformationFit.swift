import Models

/// The daemon's cold start from attributes, offline: a `SideFeatureProjection` fitted by SGD on
/// the items with at least `minEvents` training events (toward their vectors and biases in the
/// fitted MF model), then written into the items with fewer than `coldEvents` training events
/// whose attributes the projection has fitted, as the engine's catalog does each refresh round.
enum SideInformationFit {
    /// What one fit did.
    struct Outcome {
        /// Items the projection was fitted on, and the passes over them.
        var taught: Int
        var epochs: Int
        /// Cold items given a projected vector.
        var placed: Int
    }

    /// Fits and places; `options` may set `aepochs` (passes, default 30) and `alr` (step, default 0.05).
    static func apply(_ attributes: ItemAttributes, to model: OnlineMF, itemIds: [String], trainCounts: [Int],
                      minEvents: Int = 5, coldEvents: Int = 1, options: ModelOptions) throws -> Outcome {
        let projection = SideFeatureProjection(factors: model.factors, embeddingWidth: 0,
                                               learningRate: try options.float("alr", 0.05))
        var index: [String: Int32] = [:]
        var rows = [[Int32]](repeating: [], count: itemIds.count)
        for (i, id) in itemIds.enumerated() {
            guard let names = attributes.byItem[id] else { continue }
            rows[i] = names.map { name in
                if let a = index[name] { return a }
                let a = projection.addAttribute()
                index[name] = a
                return a
            }
        }
        let teachers = (0..<itemIds.count).filter { !rows[$0].isEmpty && trainCounts[$0] >= minEvents }
        let epochs = try options.int("aepochs", 30)
        for _ in 0..<epochs {
            for i in teachers {
                projection.learn(attributes: rows[i], embedding: [], target: model.itemFactors.row(i), targetBias: model.itemBias[i])
            }
        }
        var placed = 0
        let out = UnsafeMutablePointer<Float>.allocate(capacity: model.factors)
        defer { out.deallocate() }
        for i in 0..<itemIds.count where trainCounts[i] < coldEvents && !rows[i].isEmpty {
            guard rows[i].contains(where: { projection.attributeSteps[Int($0)] > 0 }) else { continue }
            let bias = projection.predict(attributes: rows[i], embedding: [], into: out)
            model.setItem(Int32(i), factors: out, bias: bias)
            placed += 1
        }
        return Outcome(taught: teachers.count, epochs: epochs, placed: placed)
    }
}
