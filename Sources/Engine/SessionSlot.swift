import Models

/// One user's live session state in the engine: the window of recent steps and the session vector
/// encoded from it. Unlike `SessionState`, steps can be added without encoding (a window restored
/// from the spill store is encoded once, after its last step).
struct SessionSlot {
    /// Recent steps, oldest first.
    private(set) var window: SessionWindow
    /// Session vector of `window` (zeros until first encoded).
    private(set) var vector: [Float]

    /// Creates an empty slot for `model`'s window length and session width.
    init(model: BiGRUSessionModel) {
        window = SessionWindow(capacity: model.configuration.windowLength)
        vector = [Float](repeating: 0, count: model.sessionDimension)
    }

    /// True when no step is held.
    var isEmpty: Bool { window.isEmpty }

    /// Adds `step` without re-encoding; call `encode` after the last one.
    mutating func append(_ step: SessionStep) { window.append(step) }

    /// Recomputes the vector over the whole window (both directions).
    mutating func encode(model: BiGRUSessionModel, workspace: inout SessionWorkspace) {
        let current = window
        vector.withUnsafeMutableBufferPointer { v in
            model.encode(window: current, workspace: &workspace, into: v.baseAddress!)
        }
    }
}
