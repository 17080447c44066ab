import Models

/// Stale session windows loaded on the pipeline thread into encoders of their own, to be encoded
/// on another thread (`encode`), their vectors copied into the ranking's query rows
/// (`copyVectors`), and stored back into the user states by `SessionTracker.storeDeferred` where
/// a state is still the one loaded (same `serial`, no step appended since, same model).
final class DeferredEncoding: @unchecked Sendable {
    /// Encoders holding the loaded windows, `SessionBatchEncoder.chunk` rows each (the last may hold fewer).
    let encoders: [SessionBatchEncoder]
    /// Per loaded row (encoder-major): the user row, its position among the ranking's users, and
    /// the state it was loaded from (serial and steps appended so far).
    let users: [Int]
    let positions: [Int]
    let serials: [Int64]
    let appendedSteps: [Int]
    /// Whether the ranking's user at each position is loaded here (its vector comes from `encode`).
    let loadedAt: [Bool]

    /// Loaded rows for a ranking of `rows` users.
    init(encoders: [SessionBatchEncoder], users: [Int], positions: [Int], serials: [Int64], appendedSteps: [Int],
         rows: Int) {
        self.encoders = encoders
        self.users = users
        self.positions = positions
        self.serials = serials
        self.appendedSteps = appendedSteps
        var loadedAt = [Bool](repeating: false, count: rows)
        for position in positions { loadedAt[position] = true }
        self.loadedAt = loadedAt
    }

    /// The model the windows were loaded for.
    var model: BiGRUSessionModel? { encoders.first?.model }

    /// Encodes every loaded chunk (single-threaded BLAS, on the calling thread).
    func encode() {
        for encoder in encoders where encoder.loaded > 0 { encoder.encode() }
    }

    /// Copies each loaded row's vector (`dimension` floats) to the query row of its position:
    /// `queries + position · stride`.
    func copyVectors(into queries: UnsafeMutablePointer<Float>, stride: Int, dimension: Int) {
        let chunk = SessionBatchEncoder.chunk
        for (i, position) in positions.enumerated() {
            (queries + position * stride).update(from: encoders[i / chunk].vector(i % chunk), count: dimension)
        }
    }

    /// Row `i`'s vector and forward state (after `encode`).
    func result(_ i: Int) -> (vector: UnsafePointer<Float>, forwardHidden: UnsafePointer<Float>, hidden: Int) {
        let chunk = SessionBatchEncoder.chunk
        let encoder = encoders[i / chunk]
        return (encoder.vector(i % chunk), encoder.forwardHidden(i % chunk), encoder.hiddenSize)
    }
}
