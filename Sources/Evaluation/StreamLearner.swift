import Models

/// A model that learns one event at a time, as the prequential protocol drives it.
protocol StreamLearner: EvaluableModel {
    /// Whether the model estimates ratings (explicit feedback).
    var isExplicit: Bool { get }
    /// Appends a user row.
    func addUser() -> Int32
    /// Appends an item row.
    func addItem() -> Int32
    /// Learns one event; returns the prediction before it.
    @discardableResult func update(user: Int32, item: Int32, value: Float) -> Float
    /// Learns a past event again without counting it.
    func replay(user: Int32, item: Int32, value: Float)
    /// Estimate for an item the model has never seen.
    func coldItemPrediction(user: Int32) -> Float
}

extension OnlineMF: StreamLearner {
    var isExplicit: Bool { configuration.feedback == .explicit }
    func coldItemPrediction(user: Int32) -> Float { globalMean + userBias[Int(user)] }
}

extension SVDPlusPlus: StreamLearner, EvaluableModel {
    var isExplicit: Bool { true }
    func replay(user: Int32, item: Int32, value: Float) {}
    func coldItemPrediction(user: Int32) -> Float { globalMean + userBias[Int(user)] }
}

extension OnlineItemKNN: StreamLearner, EvaluableModel {
    var isExplicit: Bool { true }
    func replay(user: Int32, item: Int32, value: Float) {}
}
