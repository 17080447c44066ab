import Models

/// Forward GRU states that a training round computes with its new model for the windows it
/// trained on, so that installing the model does not send those users' next encodings back to
/// the whole window.
///
/// When the round is taken, each packed window's user row, the identity of its session state
/// (`SessionState.serial`) and the state's step count are noted; the trainer encodes the windows
/// with the new model (from scratch) and keeps each final forward state. At install, a user whose
/// state is still the same one and has appended at most a window's worth of steps since carries
/// that forward state and runs only those steps at its next encoding, as if the new model had
/// encoded it when the round was taken.
struct SessionWarmStates: Sendable {
    /// User rows, in the order the windows were packed.
    private(set) var rows: [Int32] = []
    /// Each row's session state identity and its appended-step count when packed.
    private(set) var serials: [Int64] = []
    private(set) var steps: [Int] = []
    /// Width of one forward state (0 until encoded).
    private(set) var hidden = 0
    /// The forward states, `hidden` floats per window (empty until encoded).
    private(set) var states: [Float] = []

    /// Windows noted.
    var count: Int { rows.count }

    /// Whether `encode` filled in the states.
    var isEncoded: Bool { hidden > 0 && states.count == rows.count * hidden }

    /// Makes room for `more` windows to be noted.
    mutating func reserve(_ more: Int) {
        rows.reserveCapacity(rows.count + more)
        serials.reserveCapacity(serials.count + more)
        steps.reserveCapacity(steps.count + more)
    }

    /// Notes the next packed window: user row `row`, whose state `serial` had appended `steps`.
    mutating func note(row: Int32, serial: Int64, steps count: Int) {
        rows.append(row)
        serials.append(serial)
        steps.append(count)
    }

    /// Encodes the first `count` of `sequences` (the packed windows, in the order noted; windows
    /// packed after them belong to no held state) with `encoder` and keeps each one's final
    /// forward state. Leaves the encoder with an empty chunk.
    mutating func encode(sequences all: [[SessionStep]], with encoder: SessionBatchEncoder) {
        guard all.count >= rows.count, !rows.isEmpty else { return }
        let sequences = all.prefix(rows.count)
        let h = encoder.hiddenSize
        let length = encoder.model.configuration.windowLength
        var out = [Float](repeating: 0, count: rows.count * h)
        var first = 0
        out.withUnsafeMutableBufferPointer { o in
            for (k, sequence) in sequences.enumerated() {
                var window = SessionWindow(capacity: length)
                for step in sequence { window.append(step) }
                encoder.load(window)
                if encoder.isFull || k == sequences.count - 1 {
                    let n = encoder.loaded
                    encoder.encode()
                    for r in 0..<n { (o.baseAddress! + (first + r) * h).update(from: encoder.forwardHidden(r), count: h) }
                    first += n
                }
            }
        }
        hidden = h
        states = out
    }

    /// Window `k`'s forward state.
    func state(_ k: Int) -> ArraySlice<Float> { states[(k * hidden)..<((k + 1) * hidden)] }
}
