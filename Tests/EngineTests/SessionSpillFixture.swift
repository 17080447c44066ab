import Engine
import Events
import Models

/// A small randomly initialised session model (with the time-gap feature) and helpers to build
/// engines around it and feed them events.
struct SessionSpillFixture {
    let snapshot: SessionSnapshot

    init(items: Int = 30, window: Int = 5) throws {
        let c = SessionModelConfiguration(itemCount: items, embeddingDimension: 8, hiddenSize: 8, windowLength: window,
                                          typeEmbeddingDimension: 0, gapEmbeddingDimension: 4, dropout: 0, seed: 11)
        let model = try BiGRUSessionModel(configuration: c)
        snapshot = try SessionSnapshot(model: model, itemIds: (0..<items).map { "i\($0)" },
                                       fusion: HybridFusion(mfWeight: 0.5, sessionWeight: 0.5))
    }

    /// The engine configuration with this model; `tweak` sets limits.
    func configuration(_ tweak: (inout EngineConfiguration) -> Void = { _ in }) -> EngineConfiguration {
        var c = EngineConfiguration()
        c.session.snapshot = snapshot
        tweak(&c)
        return c
    }

    /// A new engine with this model.
    func core(_ tweak: (inout EngineConfiguration) -> Void = { _ in }) -> RecommenderCore {
        RecommenderCore(configuration: configuration(tweak))
    }
}

extension RecommenderCore {
    /// Applies a click of `user` on item `i<item>` at `t` ms.
    func click(_ user: String, _ item: Int, at t: Int64) throws {
        try apply(Event(user: user, item: "i\(item)", type: .click, timestampMs: t), source: .none)
    }

    /// Three clicks of `user` (a short window), items derived from `seed`, ending at `t` ms.
    func visit(_ user: String, seed: Int, endingAt t: Int64) throws {
        for k in 0..<3 { try click(user, (seed * 7 + k * 3) % 30, at: t - Int64(2 - k) * 1_000) }
    }
}
