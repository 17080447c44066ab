import Models

/// The running mean of the models the idle rounds trained since the last regular round
/// (`session.idle_averaging`): the mean serves, and the next idle round goes on training from the
/// last round's own weights (`iterate`), as stochastic weight averaging does. Each idle round
/// restarts Adam and ends wherever its last batches left it; the mean of those ends is steadier.
struct SessionIdleAverage: Sendable {
    /// The mean of `count` trained models: the model that serves.
    var model: BiGRUSessionModel
    /// The weights the last idle round ended with: where the next one starts.
    var iterate: BiGRUSessionModel
    /// Models in the mean.
    var count: Int

    /// The mean of `previous`'s models and `trained`; `trained` alone when there is no previous
    /// mean or it has another shape (the vocabulary grew since).
    init(adding trained: BiGRUSessionModel, to previous: SessionIdleAverage?) {
        iterate = trained
        if let previous, let mean = try? previous.model.moved(towards: trained, weight: 1 / Float(previous.count + 1)) {
            model = mean
            count = previous.count + 1
        } else {
            model = trained
            count = 1
        }
    }
}
