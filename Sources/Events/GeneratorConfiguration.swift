/// Settings of the synthetic event stream produced by `EventGenerator`. Out-of-range values
/// are clamped by the generator (counts to at least 1, probabilities to 0...1).
public struct GeneratorConfiguration: Sendable {
    /// Number of users (`u0` ..< `u<users>`).
    public var users: Int
    /// Number of items (`i0` ..< `i<items>`); at least 2.
    public var items: Int
    /// Rank of the planted user and item taste factors.
    public var rank: Int
    /// Zipf exponent of item popularity (0: uniform).
    public var popularitySkew: Double
    /// Zipf exponent of user activity (0: every user equally active).
    public var userActivitySkew: Double
    /// Probability that a user's next item is the planted successor of their previous item.
    public var habitProbability: Double
    /// Of the picks that are not habits, the share drawn from global popularity rather than
    /// the user's taste list.
    public var popularityMix: Double
    /// Length of each user's taste candidate list (best items by planted score).
    public var tasteCandidates: Int
    /// Fraction of events that are explicit ratings (1...5 stars, from the planted score).
    public var ratingFraction: Double
    /// Relative shares of the implicit event types.
    public var viewShare: Double
    /// Relative share of clicks.
    public var clickShare: Double
    /// Relative share of add-to-cart events.
    public var cartShare: Double
    /// Relative share of purchases.
    public var purchaseShare: Double
    /// Timestamp of the first event, epoch milliseconds.
    public var startTimestampMs: Int64
    /// Mean gap between consecutive events in milliseconds (gaps are uniform in 1...2*mean).
    public var meanGapMs: Int64
    /// Seed of every random choice: equal configurations give equal streams.
    public var seed: UInt64

    /// Creates a configuration; every argument has a default.
    public init(
        users: Int = 2_000,
        items: Int = 1_000,
        rank: Int = 8,
        popularitySkew: Double = 1.0,
        userActivitySkew: Double = 0.5,
        habitProbability: Double = 0.35,
        popularityMix: Double = 0.2,
        tasteCandidates: Int = 50,
        ratingFraction: Double = 0,
        viewShare: Double = 0.55,
        clickShare: Double = 0.3,
        cartShare: Double = 0.1,
        purchaseShare: Double = 0.05,
        startTimestampMs: Int64 = 1_700_000_000_000,
        meanGapMs: Int64 = 1_000,
        seed: UInt64 = 42
    ) {
        self.users = users
        self.items = items
        self.rank = rank
        self.popularitySkew = popularitySkew
        self.userActivitySkew = userActivitySkew
        self.habitProbability = habitProbability
        self.popularityMix = popularityMix
        self.tasteCandidates = tasteCandidates
        self.ratingFraction = ratingFraction
        self.viewShare = viewShare
        self.clickShare = clickShare
        self.cartShare = cartShare
        self.purchaseShare = purchaseShare
        self.startTimestampMs = startTimestampMs
        self.meanGapMs = meanGapMs
        self.seed = seed
    }
}
