/// A progress report from the evaluation harness or the trainer; the CLI draws it as a bar on stderr.
public struct Progress: Sendable, Equatable {
    /// What is running (e.g. `"bmf fold 2/5"`, `"training"`).
    public var stage: String
    /// Units done.
    public var completed: Int
    /// Units planned (0 when unknown).
    public var total: Int
    /// Extra detail (e.g. `"loss 0.4312"`).
    public var message: String

    /// Creates a report.
    public init(stage: String, completed: Int, total: Int, message: String = "") {
        self.stage = stage
        self.completed = completed
        self.total = total
        self.message = message
    }

    /// `completed / total` in [0, 1] (0 when the total is unknown).
    public var fraction: Double { total > 0 ? min(1, Double(completed) / Double(total)) : 0 }
}
