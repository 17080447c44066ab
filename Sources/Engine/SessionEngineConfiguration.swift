/// Settings of the per-user session state (`session:` in `config/streamrec.yaml`).
public struct SessionEngineConfiguration: Sendable {
    /// The trained session model (`session.model`: a snapshot from `streamrec train-session`).
    /// With `learning` off its weights stay fixed while the daemon runs, and nil ranks by MF
    /// alone; with `learning` on it is the trainer's warm start (it serves until the first round's
    /// model replaces it).
    public var snapshot: SessionSnapshot?
    /// The session model trained inside the daemon (off by default here; the daemon's
    /// `session.enabled` defaults to on).
    public var learning = SessionLearningConfiguration()
    /// Most users whose session state is held in memory; beyond it the least recently active
    /// twentieth is spilled (window moved to the spill store, restored on the user's next event).
    /// Default 1,000,000.
    public var maxUsers = 1_000_000
    /// A state whose newest event is older than this (event time: the newest event the engine has
    /// applied, capped at the wall clock; seconds) is spilled by a sweep that runs with each
    /// refresh round. It is not a
    /// session boundary: the returning user continues the restored window, and the model's
    /// time-gap feature sees the gap. 0 never spills idle states. Default 86,400.
    public var idleTTLSeconds: Double = 86_400
    /// Most spilled windows kept (about 140 bytes packed, 210 with index and slack, at W = 20; the
    /// same packed bytes go into each checkpoint); beyond it the oldest spilled
    /// is forgotten (that user starts a new window). 0 turns spilling off: evicted states are
    /// forgotten. Default 10,000,000.
    public var maxSpilledUsers = 10_000_000

    /// Creates the default settings (no session model).
    public init() {}
}
