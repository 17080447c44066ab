/// The complete state of an ``OnlineMF``: configuration, factors, biases, counts, μ and RNG state.
public struct OnlineMFSnapshot: Sendable, Equatable {
    /// The learner's hyper-parameters.
    public var configuration: OnlineMFConfiguration
    /// Number of user rows.
    public var users: Int
    /// Number of item rows.
    public var items: Int
    /// `users × factors` floats, row-major.
    public var userFactors: [Float]
    /// `items × factors` floats, row-major.
    public var itemFactors: [Float]
    /// One bias per user.
    public var userBias: [Float]
    /// One bias per item.
    public var itemBias: [Float]
    /// Events learned per user.
    public var userCount: [Int32]
    /// Events learned per item.
    public var itemCount: [Int32]
    /// Global mean μ.
    public var globalMean: Float
    /// Events learned in total.
    public var eventCount: Int64
    /// Raw state of the learner's random generator.
    public var rngState: UInt64

    /// Creates a snapshot from its parts (no checks; see ``validate()``).
    public init(configuration: OnlineMFConfiguration, users: Int, items: Int, userFactors: [Float],
                itemFactors: [Float], userBias: [Float], itemBias: [Float], userCount: [Int32],
                itemCount: [Int32], globalMean: Float, eventCount: Int64, rngState: UInt64) {
        self.configuration = configuration
        self.users = users
        self.items = items
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.userBias = userBias
        self.itemBias = itemBias
        self.userCount = userCount
        self.itemCount = itemCount
        self.globalMean = globalMean
        self.eventCount = eventCount
        self.rngState = rngState
    }

    /// Throws ``ModelError`` (`shapeMismatch`) when an array's length disagrees with `users`, `items`, `factors`.
    public func validate() throws {
        try configuration.validate()
        let d = configuration.factors
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw ModelError(.shapeMismatch, "OnlineMFSnapshot: \(what) has the wrong length") }
        }
        try check(users >= 0 && items >= 0, "users/items")
        try check(userFactors.count == users * d, "userFactors")
        try check(itemFactors.count == items * d, "itemFactors")
        try check(userBias.count == users, "userBias")
        try check(itemBias.count == items, "itemBias")
        try check(userCount.count == users, "userCount")
        try check(itemCount.count == items, "itemCount")
    }
}
