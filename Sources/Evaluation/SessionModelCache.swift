import Foundation
import Models

/// The last session model trained in this process, with what it was trained on, so evaluating
/// `bigru` and `hybrid` on the same split trains the encoder once. Thread-safe.
final class SessionModelCache: @unchecked Sendable {
    static let shared = SessionModelCache()

    private let lock = NSLock()
    private var entry: (configuration: SessionModelConfiguration, features: SessionItemFeatures?, histories: [[SessionStep]],
                        result: (model: BiGRUSessionModel, validation: SessionRankingMetrics?))?

    /// The cached result when the configuration, the item features and the histories are identical.
    func lookup(configuration: SessionModelConfiguration, features: SessionItemFeatures?, histories: [[SessionStep]])
        -> (model: BiGRUSessionModel, validation: SessionRankingMetrics?)? {
        lock.lock()
        defer { lock.unlock() }
        guard let e = entry, e.configuration == configuration, e.features == features, e.histories == histories else { return nil }
        return e.result
    }

    /// Keeps `result` (replacing the previous entry).
    func store(configuration: SessionModelConfiguration, features: SessionItemFeatures?, histories: [[SessionStep]],
               result: (model: BiGRUSessionModel, validation: SessionRankingMetrics?)) {
        lock.lock()
        defer { lock.unlock() }
        entry = (configuration, features, histories, result)
    }
}
