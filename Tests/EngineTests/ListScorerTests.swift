@testable import Engine
import Events
import Linalg
@testable import Models
import Testing

@Suite("List scorer: tiled lanes against whole rows")
struct ListScorerTests {
    /// A core with `users` users (a few cold), `items` items, random factors and biases, and
    /// groups of identical item rows (equal scores up to rounding).
    func makeCore(feedback: Feedback, users: Int = 150, items: Int = 2_345, session: SessionSnapshot? = nil) throws -> RecommenderCore {
        var configuration = EngineConfiguration()
        configuration.model.factors = 16
        configuration.model.feedback = feedback
        configuration.session.snapshot = session
        let core = RecommenderCore(configuration: configuration)
        var rng = SeededGenerator(seed: 23)
        var offset: Int64 = 0
        func apply(_ user: Int, _ item: Int) throws {
            let event = Event(user: "u\(user)", item: "i\(item)", type: .rating, value: 4,
                              timestampMs: 1_700_000_000_000 + offset)
            try core.apply(event, source: EventSource(partition: 0, offset: offset))
            offset += 1
        }
        for i in 0..<items { try apply(i % users, i) }
        // Extra history: seen items spread over the catalog (every tile has some).
        for u in 0..<users where u % 10 != 0 {
            for _ in 0..<rng.nextInt(below: 40) { try apply(u, rng.nextInt(below: items)) }
        }
        // Cold users: a single event each.
        for u in users..<(users + 5) { try apply(u, rng.nextInt(below: items)) }
        for matrix in [core.model.userFactors, core.model.itemFactors] {
            for i in 0..<(matrix.rows * matrix.cols) { matrix.base[i] = rng.nextGaussian() }
        }
        for i in 0..<items { core.model.itemBias[i] = rng.nextGaussian() * 0.5 }
        for u in 0..<core.users.count { core.model.userBias[u] = rng.nextGaussian() * 0.5 }
        // Identical rows and biases for every item i ≡ 0 (mod 97): exact ties across tiles.
        let d = 16
        for i in stride(from: 97, to: items, by: 97) {
            (core.model.itemFactors.base + i * d).update(from: core.model.itemFactors.base, count: d)
            core.model.itemBias[i] = core.model.itemBias[0]
        }
        return core
    }

    /// A session model that knows the first 2,000 of the 2,345 items (the others score 0 on its
    /// side), fused at 0.6.
    func hybridSnapshot() throws -> SessionSnapshot {
        let c = SessionModelConfiguration(itemCount: 2_000, embeddingDimension: 12, hiddenSize: 8, windowLength: 6,
                                          backwardSteps: 1, seed: 9)
        return try SessionSnapshot(model: BiGRUSessionModel(configuration: c), itemIds: (0..<2_000).map { "i\($0)" },
                                   fusion: HybridFusion(mfWeight: 0.4, sessionWeight: 0.6))
    }

    /// Every user's list: (index, score) best first, in the order the scorer hands them out.
    func lists(_ scorer: ListScorer, _ core: RecommenderCore, k: Int? = nil) -> [(user: Int32, ranked: [(index: Int, score: Float)])] {
        var out: [(user: Int32, ranked: [(index: Int, score: Float)])] = []
        scorer.rank(users: (0..<Int32(core.users.count)).map { $0 }, core: core, k: k) { out.append(($0, $1)) }
        return out
    }

    /// The score of `item` for `user` in double precision (bias + dot, plus the constant the
    /// scorer adds to the chosen few).
    func exactScore(_ core: RecommenderCore, user: Int, item: Int) -> Double {
        let model = core.model
        let d = model.factors
        var dot = 0.0
        for f in 0..<d { dot += Double(model.userFactors.row(user)[f]) * Double(model.itemFactors.row(item)[f]) }
        let constant = model.configuration.feedback == .explicit ? model.globalMean + model.userBias[user] : model.userBias[user]
        return dot + Double(model.itemBias[item]) + Double(constant)
    }

    /// The first disagreement with the reference lists, as text (nil when none). OpenBLAS may
    /// round a score differently by where its row and column sit in a call (the whole-row
    /// scorer's lists already varied so with the batch a user fell in), so scores are compared
    /// within 1e-5 relative, and two items may trade places only when their scores are that close.
    func firstDifference(_ got: [(user: Int32, ranked: [(index: Int, score: Float)])],
                         _ expected: [(user: Int32, ranked: [(index: Int, score: Float)])],
                         core: RecommenderCore) -> String? {
        guard got.count == expected.count else { return "\(got.count) lists, expected \(expected.count)" }
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-5 * max(1, abs(a), abs(b)) }
        var swapped = 0
        var positions = 0
        for (a, b) in zip(got, expected) {
            guard a.user == b.user, a.ranked.count == b.ranked.count else { return "user \(a.user): \(a.ranked.count) items, expected \(b.ranked.count)" }
            let personal = core.isPersonal(a.user)
            for (x, y) in zip(a.ranked, b.ranked) {
                positions += 1
                guard close(Double(x.score), Double(y.score)) else { return "user \(a.user): \(x) where \(y)" }
                if personal && !close(Double(x.score), exactScore(core, user: Int(a.user), item: x.index)) {
                    return "user \(a.user): item \(x.index) scored \(x.score), exactly \(exactScore(core, user: Int(a.user), item: x.index))"
                }
                if x.index != y.index { swapped += 1 }
            }
        }
        // Near-ties are rare on random factors: almost every position holds the same item.
        return swapped * 100 <= positions ? nil : "\(swapped) of \(positions) positions hold another item"
    }

    @Test("lanes and tile sizes give the whole-row lists (same items, scores within rounding)",
          arguments: [Feedback.implicit, .explicit])
    func tiledEqualsWholeRows(feedback: Feedback) throws {
        let core = try makeCore(feedback: feedback)
        let reference = ListScorer(topK: 10, factors: 16, batchSize: 32, lanes: 1)
        reference.fullRowsOnly = true
        let expected = lists(reference, core)
        let expected50 = lists(reference, core, k: 50)
        #expect(expected.count == core.users.count)
        #expect(expected.allSatisfy { $0.ranked.count == 10 })
        for (lanes, tile) in [(1, 16), (2, 333), (3, 5_000), (2, 1_024)] {
            let scorer = ListScorer(topK: 10, factors: 16, batchSize: 32, lanes: lanes, tileItems: tile,
                                    parallelMinScores: 0)
            let difference = firstDifference(lists(scorer, core), expected, core: core)
            #expect(difference == nil, "lanes \(lanes), tile \(tile)")
            let difference50 = firstDifference(lists(scorer, core, k: 50), expected50, core: core)
            #expect(difference50 == nil, "k 50, lanes \(lanes), tile \(tile)")
        }
    }

    @Test("seen items never appear, and each list is sorted best first")
    func seenExcludedAndSorted() throws {
        let core = try makeCore(feedback: .implicit)
        let scorer = ListScorer(topK: 10, factors: 16, batchSize: 8, lanes: 2, tileItems: 100, parallelMinScores: 0)
        var checked = 0
        scorer.rank(users: (0..<Int32(core.users.count)).map { $0 }, core: core) { user, ranked in
            let seen = core.table.seen[Int(user)]
            #expect(ranked.count == 10)
            #expect(ranked.allSatisfy { !seen.contains(Int32($0.index)) })
            #expect(zip(ranked, ranked.dropFirst()).allSatisfy { $0.score >= $1.score })
            checked += 1
        }
        #expect(checked == core.users.count)
    }

    @Test("with a session model, the fused lists from the lanes are the whole rows' fused lists (MF and session rows standardised and fused)",
          arguments: [(1, 16), (2, 333), (1, 5_000)])
    func hybridLanesEqualWholeRows(lanes: Int, tile: Int) throws {
        let core = try makeCore(feedback: .implicit, session: hybridSnapshot())
        let reference = ListScorer(topK: 10, factors: 16, batchSize: 32, lanes: 1)
        reference.fullRowsOnly = true
        let expected = lists(reference, core)
        let scorer = ListScorer(topK: 10, factors: 16, batchSize: 32, lanes: lanes, tileItems: tile, parallelMinScores: 0)
        let got = lists(scorer, core)
        #expect(got.count == expected.count && got.count == core.users.count)
        let windowed = (0..<Int32(core.users.count)).filter { core.hasSessionWindow($0) }
        // Every user but those whose only items the session model does not know has a window.
        #expect(windowed.count >= core.users.count - 5 && windowed.count > 140)
        #expect(windowed.contains { !core.isPersonal($0) }, "some rank by the session alone")
        var swapped = 0, positions = 0
        for (a, b) in zip(got.sorted { $0.user < $1.user }, expected.sorted { $0.user < $1.user }) {
            #expect(a.user == b.user && a.ranked.count == b.ranked.count)
            for (x, y) in zip(a.ranked, b.ranked) {
                positions += 1
                #expect(abs(x.score - y.score) <= 1e-4 * max(1, abs(y.score)), "user \(a.user): \(x) where \(y)")
                if x.index != y.index { swapped += 1 }
            }
        }
        #expect(positions == 10 * core.users.count)
        #expect(swapped * 100 <= positions, "\(swapped) of \(positions) positions hold another item")
        // Events change item rows: the same scorer brings its item-side sums up to date by
        // replacing the changed rows, and still gives the whole rows' lists.
        for n in 0..<300 {
            let event = Event(user: "u\(n % 150)", item: "i\((n * 37) % 2_345)", type: .click, value: 1,
                              timestampMs: 1_800_000_000_000 + Int64(n))
            try core.apply(event, source: EventSource(partition: 0, offset: 1_000_000 + Int64(n)))
        }
        let again = lists(scorer, core).sorted { $0.user < $1.user }
        let expectedAgain = lists(reference, core).sorted { $0.user < $1.user }
        var swappedAgain = 0
        for (a, b) in zip(again, expectedAgain) {
            #expect(a.user == b.user)
            for (x, y) in zip(a.ranked, b.ranked) {
                #expect(abs(x.score - y.score) <= 1e-4 * max(1, abs(y.score)), "after events, user \(a.user): \(x) where \(y)")
                if x.index != y.index { swappedAgain += 1 }
            }
        }
        #expect(swappedAgain * 100 <= positions)
        // Fused scores are standardised: not the MF scores.
        #expect(zip(got, lists(ListScorer(topK: 10, factors: 16, batchSize: 32, lanes: 1), try makeCore(feedback: .implicit)))
            .contains { $0.ranked.map(\.index) != $1.ranked.map(\.index) })
    }

    @Test("the lanes' hybrid item rows follow every kind of change between refreshes: learning, new items, shared changes, side information")
    func hybridLanesFollowEveryChange() throws {
        let core = try makeCore(feedback: .implicit, session: hybridSnapshot())
        let reference = ListScorer(topK: 10, factors: 16, batchSize: 32, lanes: 1)
        reference.fullRowsOnly = true
        let scorer = ListScorer(topK: 10, factors: 16, batchSize: 32, lanes: 1, tileItems: 333, parallelMinScores: 0)
        func expectSame(_ when: String) {
            let got = lists(scorer, core).sorted { $0.user < $1.user }
            let expected = lists(reference, core).sorted { $0.user < $1.user }
            #expect(got.count == core.users.count && expected.count == got.count)
            var positions = 0, swapped = 0
            for (a, b) in zip(got, expected) {
                for (x, y) in zip(a.ranked, b.ranked) {
                    positions += 1
                    #expect(abs(x.score - y.score) <= 1e-4 * max(1, abs(y.score)), "\(when), user \(a.user): \(x) where \(y)")
                    if x.index != y.index { swapped += 1 }
                }
            }
            #expect(positions >= 10 * (core.users.count - 5))
            #expect(swapped * 100 <= positions, "\(when): \(swapped) of \(positions) positions hold another item")
        }
        expectSame("at first")
        // New items (the session model knows none of them) between two refreshes: laid out and
        // added to both sides' sums without the others.
        for n in 0..<40 {
            let event = Event(user: "u\(n % 150)", item: "new\(n)", type: .click, value: 1, timestampMs: 1_800_000_000_000 + Int64(n))
            try core.apply(event, source: EventSource(partition: 0, offset: 2_000_000 + Int64(n)))
        }
        #expect(core.items.count == 2_345 + 40)
        expectSame("after new items")
        // Another instance's change to shared item rows, and a vector from side information.
        var rng = SeededGenerator(seed: 41)
        let delta = (0..<16).map { _ in rng.nextGaussian() }
        delta.withUnsafeBufferPointer {
            for item in stride(from: 3, to: 2_300, by: 7) { core.model.addToItem(Int32(item), vector: $0.baseAddress!, bias: 0.3, count: 1) }
            core.model.setItem(5, factors: $0.baseAddress!, bias: 2.5)
        }
        expectSame("after shared changes and side information")
    }
}
