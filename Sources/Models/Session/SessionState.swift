import Synchronization

/// One user's session state in the daemon: the window of recent steps, the cached session vector
/// and the forward GRU state it was encoded with.
///
/// `record` appends an event and re-encodes the whole window (both directions), reusing the
/// vector's storage and the caller's workspace, so it allocates nothing. `append` only appends
/// and flags the vector stale (`needsEncoding`): the daemon encodes stale windows in batches
/// (`SessionBatchEncoder`) when it next reads them, and stores the result with
/// `store(vector:forwardHidden:)`. After such a store the forward state is carried: the next
/// encoding runs only the `pendingSteps` appended since (`carriesForward`). A new model
/// (`invalidate`), more appended steps than the window holds, or a state rebuilt step by step
/// (restored, imported) encodes the window from scratch.
public struct SessionState: Sendable {
    /// A number no other state of this process has (copies share it): tells a state apart from
    /// a later one in the same place.
    public let serial: Int64
    /// Steps appended or recorded since this state was created.
    public private(set) var appendedSteps = 0
    /// Recent steps, oldest first.
    public private(set) var window: SessionWindow
    /// Session vector of the current window (the projection bias while the window is empty).
    public private(set) var vector: [Float]
    /// Whether steps were appended (or the model changed) since `vector` was computed.
    public private(set) var needsEncoding = false
    /// The forward GRU state the vector was encoded with (valid when `carriesForward`).
    public private(set) var forwardHidden: [Float] = []
    /// Whether the next encoding may start from `forwardHidden` and run the pending steps only.
    public private(set) var carriesForward = false
    /// Steps appended since `forwardHidden` was stored.
    public private(set) var pendingSteps = 0

    /// Creates an empty state for a model's window length and session width.
    public init(model: BiGRUSessionModel) {
        serial = Self.serials.add(1, ordering: .relaxed).newValue
        window = SessionWindow(capacity: model.configuration.windowLength)
        vector = [Float](repeating: 0, count: model.sessionDimension)
    }

    private static let serials = Atomic<Int64>(0)

    /// True when no step has been recorded.
    public var isEmpty: Bool { window.isEmpty }

    /// Appends `step` and recomputes the session vector.
    public mutating func record(_ step: SessionStep, model: BiGRUSessionModel, workspace: inout SessionWorkspace) {
        window.append(step)
        appendedSteps += 1
        let current = window
        vector.withUnsafeMutableBufferPointer { v in
            model.encode(window: current, workspace: &workspace, into: v.baseAddress!)
        }
        needsEncoding = false
        carriesForward = false
    }

    /// Appends `step` without re-encoding (a window rebuilt step by step, e.g. restored after
    /// eviction, is encoded once with `refresh` after its last step).
    public mutating func append(_ step: SessionStep) {
        window.append(step)
        appendedSteps += 1
        needsEncoding = true
        pendingSteps += 1
        // Steps that left the window before the forward direction read them: start over.
        if pendingSteps > window.capacity { carriesForward = false }
    }

    /// Flags the vector stale (e.g. the model changed), so its next reader re-encodes the whole window.
    public mutating func invalidate() {
        needsEncoding = true
        carriesForward = false
    }

    /// Stores a vector computed elsewhere for the current window (`vector.count` floats) and
    /// clears `needsEncoding`; the next encoding is from scratch.
    public mutating func store(vector source: UnsafePointer<Float>) {
        let n = vector.count
        vector.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: source, count: n) }
        needsEncoding = false
        carriesForward = false
    }

    /// Takes a forward state carried from elsewhere (the same model's encoding of this window
    /// on another instance, `hidden` floats) with the number of steps appended after it: the next
    /// encoding starts from it and runs those steps, as it would have there.
    public mutating func restoreCarried(forwardHidden state: [Float], pendingSteps pending: Int) {
        restoreCarried(forwardHidden: state[...], pendingSteps: pending)
    }

    /// `restoreCarried` from a slice (a batch of states laid end to end): copied into the
    /// state's own storage when it has the width already, so a model install allocates nothing
    /// per user.
    public mutating func restoreCarried(forwardHidden state: ArraySlice<Float>, pendingSteps pending: Int) {
        guard pending >= 0, pending <= window.capacity, !state.isEmpty else { return }
        if forwardHidden.count == state.count {
            forwardHidden.withUnsafeMutableBufferPointer { target in
                state.withUnsafeBufferPointer { target.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
            }
        } else {
            forwardHidden = Array(state)
        }
        carriesForward = true
        pendingSteps = pending
        needsEncoding = true
    }

    /// Stores a vector and the forward state it was encoded with (`hidden` floats), and clears
    /// `needsEncoding`: the next encoding carries the forward state and runs the steps appended
    /// after this call.
    public mutating func store(vector source: UnsafePointer<Float>, forwardHidden state: UnsafePointer<Float>, hidden: Int) {
        store(vector: source)
        if forwardHidden.count != hidden { forwardHidden = [Float](repeating: 0, count: hidden) }
        forwardHidden.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: state, count: hidden) }
        carriesForward = true
        pendingSteps = 0
    }

    /// Recomputes the vector: after `append`, or after the model changed (e.g. a retrained model was loaded).
    public mutating func refresh(model: BiGRUSessionModel, workspace: inout SessionWorkspace) {
        if vector.count != model.sessionDimension { vector = [Float](repeating: 0, count: model.sessionDimension) }
        let current = window
        vector.withUnsafeMutableBufferPointer { v in
            model.encode(window: current, workspace: &workspace, into: v.baseAddress!)
        }
        needsEncoding = false
        carriesForward = false
    }
}
