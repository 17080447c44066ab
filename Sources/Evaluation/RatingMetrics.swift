/// Running RMSE and MAE of rating predictions.
public struct RatingMetrics: Sendable, Equatable {
    /// Number of predictions added.
    public private(set) var count: Int = 0
    private var squared: Double = 0
    private var absolute: Double = 0

    /// Creates an empty accumulator.
    public init() {}

    /// Adds one prediction and its truth.
    public mutating func add(prediction: Float, truth: Float) {
        let e = Double(prediction) - Double(truth)
        squared += e * e
        absolute += abs(e)
        count += 1
    }

    /// Merges another accumulator.
    public mutating func merge(_ other: RatingMetrics) {
        count += other.count
        squared += other.squared
        absolute += other.absolute
    }

    /// Root mean squared error (0 when empty).
    public var rmse: Double { count == 0 ? 0 : (squared / Double(count)).squareRoot() }
    /// Mean absolute error (0 when empty).
    public var mae: Double { count == 0 ? 0 : absolute / Double(count) }
}
