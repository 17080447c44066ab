@testable import Engine
import Events
import Linalg
@testable import Models
import Testing

@Suite("Deferred refresh: the hybrid ranking on the background lane")
struct DeferredRefreshTests {
    static let users = 120, items = 300

    /// A core with a session model over every item and `users` users of 6–13 events each (all
    /// personal and with a window), two scoring lanes.
    func makeCore() throws -> RecommenderCore {
        let c = SessionModelConfiguration(itemCount: Self.items, embeddingDimension: 12, hiddenSize: 8, windowLength: 6,
                                          backwardSteps: 3, seed: 4)
        let snapshot = try SessionSnapshot(model: BiGRUSessionModel(configuration: c),
                                           itemIds: (0..<Self.items).map { "i\($0)" },
                                           fusion: HybridFusion(mfWeight: 0.5, sessionWeight: 0.5))
        var configuration = EngineConfiguration()
        configuration.model.factors = 16
        configuration.session.snapshot = snapshot
        let core = RecommenderCore(configuration: configuration, model: OnlineMF(configuration: configuration.model),
                                   scoringLanes: 2)
        var rng = SeededGenerator(seed: 31)
        var offset: Int64 = 0
        for round in 0..<13 {
            for u in 0..<Self.users where round < 6 + u % 8 {
                try apply(core, user: u, item: rng.nextInt(below: Self.items), offset: offset)
                offset += 1
            }
        }
        return core
    }

    func apply(_ core: RecommenderCore, user: Int, item: Int, offset: Int64) throws {
        let event = Event(user: "u\(user)", item: "i\(item)", type: .click, value: 1, timestampMs: 1_700_000_000_000 + offset)
        try core.apply(event, source: EventSource(partition: 0, offset: offset))
    }

    /// The lists of one refresh (or completion), by user.
    func collect(_ body: ((RecommendationList) -> Void) -> Void) -> [String: RecommendationList] {
        var out: [String: RecommendationList] = [:]
        body { out[$0.user] = $0 }
        return out
    }

    func same(_ a: RecommendationList?, _ b: RecommendationList?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.user == b.user && a.items.map(\.item) == b.items.map(\.item) && a.items.map(\.score) == b.items.map(\.score)
            && a.model == b.model && a.version == b.version && a.generatedAtMs == b.generatedAtMs && a.basedOn == b.basedOn
    }

    @Test("a deferred refresh publishes, once collected, the lists a refresh on the caller makes, to the last bit, and stores the vectors it encoded")
    func sameListsAsOnTheCaller() throws {
        let caller = try makeCore(), deferred = try makeCore()
        let expected = collect { emit in caller.refresh(nowMs: 5_000, wallClockMs: 7, emit: emit) }
        #expect(expected.count == Self.users)
        #expect(expected.values.allSatisfy { $0.model == "hybrid" })

        let stale = (0..<Self.users).filter { deferred.session!.isStale($0) }
        #expect(stale.count == Self.users, "every window waits to be encoded before the first refresh")
        let first = collect { emit in deferred.refresh(nowMs: 5_000, wallClockMs: 7, deferring: true, emit: emit) }
        #expect(first.isEmpty, "every user has a window: all of them are left to the lane")
        #expect(deferred.hasDeferredRefresh)
        #expect(deferred.dirtyCount == 0)
        let later = collect { emit in deferred.completeDeferredRefresh(wait: true, emit: emit) }
        #expect(!deferred.hasDeferredRefresh)
        #expect(later.count == Self.users)
        for (user, list) in expected { #expect(same(later[user], list), "user \(user)") }
        #expect(deferred.listsPublished == Int64(Self.users))
        // The lane's encodings were stored: nothing is stale, and the vectors are the caller's.
        #expect((0..<Self.users).allSatisfy { !deferred.session!.isStale($0) })
        for u in 0..<Self.users { #expect(deferred.session!.vector(user: u) == caller.session!.vector(user: u)) }
        // Nothing changed since: a second collection emits nothing.
        #expect(collect { deferred.completeDeferredRefresh(wait: true, emit: $0) }.isEmpty)
    }

    @Test("an event applied while the lists are ranked queues its user again: the older list goes out first, then the newer one, and the encoding of the older window is not stored")
    func eventsDuringTheRanking() throws {
        let caller = try makeCore(), deferred = try makeCore()
        let callerLists = collect { caller.refresh(nowMs: 5_000, wallClockMs: 7, emit: $0) }
        _ = collect { deferred.refresh(nowMs: 5_000, wallClockMs: 7, deferring: true, emit: $0) }
        #expect(deferred.hasDeferredRefresh)
        // User 3's next event arrives while the lane ranks.
        try apply(deferred, user: 3, item: 17, offset: 90_000)
        #expect(deferred.dirtyCount == 1)
        // The next refresh completes the deferred one first: every first list, user 3's included,
        // comes before user 3's new list.
        var order: [RecommendationList] = []
        var storedBeforeRanking: [Bool] = []
        deferred.refresh(nowMs: 7_000, wallClockMs: 8, force: true, deferring: true) {
            if order.isEmpty { storedBeforeRanking = (0..<Self.users).map { !deferred.session!.isStale($0) } }
            order.append($0)
        }
        #expect(!deferred.hasDeferredRefresh, "a forced refresh ranks on the caller")
        #expect(order.count == Self.users + 1)
        let firsts = Dictionary(uniqueKeysWithValues: order.prefix(Self.users).map { ($0.user, $0) })
        for (user, list) in callerLists { #expect(same(firsts[user], list), "user \(user)") }
        #expect(storedBeforeRanking.enumerated().allSatisfy { $0.element == ($0.offset != 3) },
                "every encoding but user 3's was stored when the first lists went out")
        let newer = try #require(order.last)
        #expect(newer.user == "u3" && newer.basedOn == EventSource(partition: 0, offset: 90_000))
        #expect(newer.version == callerLists["u3"]!.version + 1)
        // User 3's window was encoded again, from scratch: the list of a core that had the event
        // before anything was encoded.
        let reference = try makeCore()
        try apply(reference, user: 3, item: 17, offset: 90_000)
        let expected = try #require(reference.currentList(for: "u3", k: reference.configuration.topK, wallClockMs: 8))
        #expect(same(newer, expected))
    }

    @Test("a user whose list is being ranked awaits it: at debounce 0 the pipeline publishes it before applying the user's next event")
    func awaitsTheLaneList() throws {
        let core = try makeCore()
        #expect(core.awaitsList(userId: "u3", nowMs: 5_000), "dirty, never listed")
        _ = collect { core.refresh(nowMs: 5_000, wallClockMs: 7, deferring: true, emit: $0) }
        #expect(core.dirtyCount == 0)
        #expect(core.awaitsList(userId: "u3", nowMs: 5_000), "its list is on the lane")
        #expect(!core.awaitsList(userId: "nobody", nowMs: 5_000))
        // The cut refresh the pipeline then runs completes the lane's refresh first.
        let cut = collect { core.refresh(nowMs: 5_000, wallClockMs: 7, maintenance: false, emit: $0) }
        #expect(cut.count == Self.users && cut["u3"] != nil)
        #expect(!core.awaitsList(userId: "u3", nowMs: 5_000))
    }

    @Test("the list of a user removed while the lists are ranked is dropped")
    func removedUser() throws {
        let core = try makeCore()
        _ = collect { core.refresh(nowMs: 5_000, wallClockMs: 7, deferring: true, emit: $0) }
        #expect(core.removeUser(id: "u5"))
        let lists = collect { core.completeDeferredRefresh(wait: true, emit: $0) }
        #expect(lists.count == Self.users - 1)
        #expect(lists["u5"] == nil && lists["u6"] != nil)
    }

    @Test("a list holding an item withdrawn while it was ranked is not published: its user is ranked again without the item")
    func withdrawnMeanwhile() throws {
        let core = try makeCore(), reference = try makeCore()
        let expected = collect { reference.refresh(nowMs: 5_000, wallClockMs: 7, emit: $0) }
        let item = try #require(expected["u4"]?.items.first?.item)
        let holding = Set(expected.filter { $0.value.items.contains { $0.item == item } }.keys)
        #expect(holding.count < Self.users)
        _ = collect { core.refresh(nowMs: 5_000, wallClockMs: 7, deferring: true, emit: $0) }
        try core.apply(itemRecord: ItemRecord(item: item, available: false))
        let published = collect { core.completeDeferredRefresh(wait: true, emit: $0) }
        #expect(Set(published.keys) == Set(expected.keys).subtracting(holding))
        #expect(core.dirtyCount == holding.count)
        let again = collect { core.refresh(nowMs: 5_100, wallClockMs: 8, emit: $0) }
        #expect(Set(again.keys) == holding, "due at once, past the debounce")
        #expect(again.values.allSatisfy { !$0.items.contains { $0.item == item } })
    }

    @Test("a checkpoint taken while the lists are ranked keeps their users due: the restored core publishes them")
    func checkpointKeepsThemDue() throws {
        let core = try makeCore()
        _ = collect { core.refresh(nowMs: 5_000, wallClockMs: 7, deferring: true, emit: $0) }
        #expect(core.hasDeferredRefresh && core.dirtyCount == 0)
        try apply(core, user: 8, item: 1, offset: 90_000)
        let bytes = core.checkpoint(offsets: [:], writtenAtMs: 0).encoded()
        let (restored, _) = try RecommenderCore.restore(from: SnapshotReader(bytes: bytes), configuration: core.configuration)
        #expect(restored.dirtyCount == Self.users, "every user once: user 8 (queued again) is not counted twice")
        let lists = collect { restored.refresh(nowMs: 5_000, wallClockMs: 7, force: true, emit: $0) }
        #expect(lists.count == Self.users)
        core.completeDeferredRefresh(wait: true) { _ in }
    }

    @Test("a query while the lists are ranked waits for the lane and answers from the current state")
    func queryDuringTheRanking() throws {
        let core = try makeCore(), reference = try makeCore()
        _ = collect { core.refresh(nowMs: 5_000, wallClockMs: 7, deferring: true, emit: $0) }
        let answer = try #require(core.currentList(for: "u9", k: 10, wallClockMs: 7))
        let expected = try #require(reference.currentList(for: "u9", k: 10, wallClockMs: 7))
        #expect(answer.items.map(\.item) == expected.items.map(\.item))
        #expect(core.completeDeferredRefresh(wait: true) { _ in } == Self.users)
    }
}
