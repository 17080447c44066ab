@testable import Engine
import Events
import Linalg
import Models
import Testing

/// The MF learner's passes over the seen items while the stream is quiet (`model.idle_epochs`).
@Suite("MF passes over the seen items on a quiet stream")
struct MFIdleReplayTests {
    static let t0: Int64 = 1_800_000_000_000

    /// 120 users with planted tastes, about 12 events each.
    static func events(count: Int = 1_500, seed: UInt64 = 11) -> (EventGenerator, [Event]) {
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 120, items: 300, habitProbability: 0, seed: seed))
        return (generator, generator.generate(count: count))
    }

    static func core(epochs: Int, feedback: Models.Feedback = .implicit) -> RecommenderCore {
        var c = EngineConfiguration()
        c.idleEpochs = epochs
        c.model.feedback = feedback
        return RecommenderCore(configuration: c)
    }

    static func feed(_ core: RecommenderCore, _ events: ArraySlice<Event>) throws {
        for (k, e) in zip(events.indices, events) { try core.apply(e, source: EventSource(partition: 0, offset: Int64(k))) }
    }

    /// A core with this budget fed the first 1,500 of 2,000 events, and the events.
    static func fedCore(epochs: Int) throws -> (RecommenderCore, [Event]) {
        let (_, events) = Self.events(count: 2_000)
        let core = Self.core(epochs: epochs)
        try Self.feed(core, events[0..<1_500])
        return (core, events)
    }

    /// Calls the replay at `wallClockMs` with an unbounded slice until it has nothing waiting (at most `calls` times).
    static func replayUntilDone(_ core: RecommenderCore, at wallClockMs: Int64, budgetMs: Double = 10_000, calls: Int = 1_000) {
        for _ in 0..<calls where core.replayWhileQuiet(wallClockMs: wallClockMs, budgetMs: budgetMs) {}
    }

    /// A quiet spell: the stream seen moving at `ms`, then replayed until done a second later.
    static func quietSpell(_ core: RecommenderCore, at ms: Int64) {
        _ = core.replayWhileQuiet(wallClockMs: ms)
        replayUntilDone(core, at: ms + 1_000)
    }

    /// Pairs (user, seen item) the core holds.
    static func pairs(_ core: RecommenderCore) -> Int64 {
        Int64(core.table.seen.reduce(0) { $0 + $1.count })
    }

    @Test("a quiet stream gets exactly the budget of passes, none before a second of quiet; counts and popularity stay")
    func budgetAfterQuiet() throws {
        let (_, events) = Self.events()
        let core = Self.core(epochs: 3)
        try Self.feed(core, events[...])
        let before = core.model.userFactors.toArray()
        let popularity = core.popularity.withScores { Array($0) }
        let applied = core.appliedEvents

        #expect(core.replayWhileQuiet(wallClockMs: Self.t0) == false)  // the stream was seen moving just now
        #expect(core.replayWhileQuiet(wallClockMs: Self.t0 + 999) == false)
        #expect(core.mfIdleEpochs == 0)
        #expect(core.model.userFactors.toArray() == before)
        #expect(core.mfIdleReplayOver == false)

        Self.replayUntilDone(core, at: Self.t0 + 1_000)
        #expect(core.mfIdleEpochs == 3)
        #expect(core.mfIdleSteps == 3 * Self.pairs(core))
        #expect(core.mfIdleReplayOver)
        #expect(core.model.userFactors.toArray() != before)
        #expect(core.appliedEvents == applied)
        #expect(core.popularity.withScores { Array($0) } == popularity)
        // More quiet: the budget is spent.
        Self.replayUntilDone(core, at: Self.t0 + 60_000)
        #expect(core.mfIdleEpochs == 3)
    }

    @Test("new events renew the budget once they reach a tenth of the last pass's pairs")
    func renewal() throws {
        let (core, events) = try Self.fedCore(epochs: 2)
        Self.quietSpell(core, at: Self.t0)
        #expect(core.mfIdleEpochs == 2)
        let tenth = Int(core.mfIdle.lastEpochPairs / 10)
        #expect(tenth > 10)

        // One event short of a tenth: quiet again, no pass.
        try Self.feed(core, events[1_500..<(1_500 + tenth - 1)])
        Self.quietSpell(core, at: Self.t0 + 10_000)
        #expect(core.mfIdleEpochs == 2)
        #expect(core.mfIdleReplayOver)

        // One more event makes the tenth: the next quiet spell takes two more passes.
        try Self.feed(core, events[(1_500 + tenth - 1)..<(1_500 + tenth)])
        #expect(core.mfIdleReplayOver == false)
        Self.quietSpell(core, at: Self.t0 + 20_000)
        #expect(core.mfIdleEpochs == 4)
    }

    @Test("a pass taken in short slices visits every row once, and an event pauses it until the next quiet second")
    func slices() throws {
        let (core, events) = try Self.fedCore(epochs: 1)
        _ = core.replayWhileQuiet(wallClockMs: Self.t0)
        // A zero budget stops after 64 rows: 120 users take two slices.
        #expect(core.replayWhileQuiet(wallClockMs: Self.t0 + 1_000, budgetMs: 0))
        #expect(core.mfIdleEpochs == 0)
        let pairsBefore = Self.pairs(core)
        let stepsAfterFirstSlice = core.mfIdleSteps
        #expect(stepsAfterFirstSlice > 0 && stepsAfterFirstSlice < pairsBefore)

        // An event: nothing is replayed until the stream has been quiet for a second again.
        try Self.feed(core, events[1_500..<1_501])
        #expect(core.replayWhileQuiet(wallClockMs: Self.t0 + 2_000, budgetMs: 0) == false)
        #expect(core.replayWhileQuiet(wallClockMs: Self.t0 + 2_500, budgetMs: 0) == false)
        #expect(core.mfIdleSteps == stepsAfterFirstSlice)
        _ = core.replayWhileQuiet(wallClockMs: Self.t0 + 3_000, budgetMs: 0)
        #expect(core.mfIdleEpochs == 1)
        // Every row once: the rows' seen items of the pass add up to the pairs held (one more
        // pair at most, from the event between the slices).
        #expect(core.mfIdleSteps >= pairsBefore && core.mfIdleSteps <= pairsBefore + 1)
    }

    @Test("a slice also reads the clock after 8,192 steps: two users with 9,000 items each never share a zero-budget slice")
    func heavyUsersSplitSlices() throws {
        let core = Self.core(epochs: 1)
        var events: [Event] = []
        for u in 0..<2 { for i in 0..<9_000 { events.append(Event(user: "heavy\(u)", item: "i\(i)", type: .click, timestampMs: Int64(events.count))) } }
        for u in 0..<8 { for i in 0..<5 { events.append(Event(user: "light\(u)", item: "i\(u * 5 + i)", type: .click, timestampMs: Int64(events.count))) } }
        try Self.feed(core, events[...])
        #expect(Self.pairs(core) == 18_040)
        _ = core.replayWhileQuiet(wallClockMs: Self.t0)
        #expect(core.replayWhileQuiet(wallClockMs: Self.t0 + 1_000, budgetMs: 0))
        // Ten rows, under the 64 between clock reads: the slice stopped after the first heavy user.
        #expect(core.mfIdleSteps >= 9_000 && core.mfIdleSteps <= 9_040)
        #expect(core.mfIdleEpochs == 0)
        for _ in 0..<10 where core.mfIdleEpochs == 0 { _ = core.replayWhileQuiet(wallClockMs: Self.t0 + 1_000, budgetMs: 0) }
        #expect(core.mfIdleEpochs == 1)
        #expect(core.mfIdleSteps == 18_040)
    }

    @Test("an epoch's order visits every row exactly once", arguments: [1, 2, 3, 10, 64, 97, 120, 1_000])
    func orderIsAPermutation(rows: Int) {
        var replay = MFIdleReplay()
        for _ in 0..<3 {
            replay.startEpoch(rows: rows)
            var visited = Set<Int>()
            while replay.position < replay.rows {
                visited.insert(replay.currentRow)
                replay.position += 1
            }
            #expect(visited == Set(0..<rows))
        }
    }

    @Test("passes over the seen items bring the lists closer to the users' planted tastes")
    func liftsTasteHits() throws {
        let (generator, events) = Self.events()
        let core = Self.core(epochs: 10)
        try Self.feed(core, events[...])
        func tasteHits() -> Int {
            var hits = 0
            for u in 0..<120 {
                let id = generator.userId(u)
                guard let list = core.currentList(for: id, k: 10, wallClockMs: 0) else { continue }
                let taste = Set(generator.tasteTopItems(user: u, count: 30).map(generator.itemId))
                hits += list.items.filter { taste.contains($0.item) }.count
            }
            return hits
        }
        let before = tasteHits()
        Self.quietSpell(core, at: Self.t0)
        #expect(core.mfIdleEpochs == 10)
        let after = tasteHits()
        #expect(after > before + before / 10, "taste hits in the top 10: \(before) before the passes, \(after) after")
    }

    @Test("off (0 passes) and explicit feedback leave the factors alone")
    func offAndExplicit() throws {
        let (_, events) = Self.events()
        for core in [Self.core(epochs: 0), Self.core(epochs: 5, feedback: .explicit)] {
            try Self.feed(core, events[...])
            let before = core.model.userFactors.toArray()
            Self.quietSpell(core, at: Self.t0)
            #expect(core.mfIdleEpochs == 0)
            #expect(core.mfIdleReplayOver)
            #expect(core.model.userFactors.toArray() == before)
        }
    }

    @Test("replayed users are flagged for the changelog")
    func flagsChangedUsers() throws {
        let (_, events) = Self.events()
        let core = Self.core(epochs: 1)
        core.tracksChanges = true
        try Self.feed(core, events[...])
        _ = core.takeChangedUsers(in: [0])
        #expect(core.takeChangedUsers(in: [0]).isEmpty)
        Self.quietSpell(core, at: Self.t0)
        let withSeen = Set((0..<core.users.count).filter { !core.table.seen[$0].isEmpty }.map { core.users.id(at: Int32($0)) })
        #expect(Set(core.takeChangedUsers(in: [0])[0]?.map(\.id) ?? []) == withSeen)
    }
}
