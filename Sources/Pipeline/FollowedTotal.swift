import Engine
/// A running total kept elsewhere (in the recommender state), followed by a Prometheus counter:
/// `advance(to:)` returns how much the total grew since the last call. The first call counts
/// the whole total; a total that shrank (state handed away) becomes the new base and counts 0.
struct FollowedTotal: Equatable {
    private(set) var last: Int64 = 0

    /// The increase since the last call (0 when the total did not grow), and remembers `total`.
    mutating func advance(to total: Int64) -> Int64 {
        defer { last = total }
        return total > last ? total - last : 0
    }
}
