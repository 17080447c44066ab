/// Settings of the per-user session state (`session:` in `config/streamrec.yaml`).
public struct SessionEngineConfiguration: Sendable {
    /// The trained session model (`session.model`: a snapshot from `streamrec train-session`);
    /// nil ranks by MF alone. Its weights stay fixed while the daemon runs (no online fine-tuning).
    public var snapshot: SessionSnapshot?
    /// Most users whose session state is held; beyond it the least recently active twentieth is
    /// dropped (their next event starts a new window). Default 1,000,000.
    public var maxUsers = 1_000_000
    /// A window whose newest event is older than this (event time, seconds) is cleared before the
    /// next event is added: a new session starts. 0 keeps windows forever. Default 86,400.
    public var idleTTLSeconds: Double = 86_400

    /// Creates the default settings (no session model).
    public init() {}
}
