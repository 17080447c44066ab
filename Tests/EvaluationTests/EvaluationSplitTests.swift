import Testing
@testable import Evaluation

@Suite("Loading and splitting")
struct EvaluationSplitTests {
    /// Three users; timestamps deliberately out of file order, with one tie.
    private func table() throws -> Interactions {
        let text = """
        1\t10\t5\t300
        1\t11\t4\t100
        2\t10\t3\t50
        1\t12\t3\t200
        2\t13\t2\t60
        2\t11\t1\t60
        3\t12\t4\t10
        """
        return try DatasetLoader.parse(text, format: .udata)
    }

    @Test("u.data parsing assigns dense indices by first appearance")
    func parse() throws {
        let t = try table()
        #expect(t.count == 7)
        #expect(t.users == 3)
        #expect(t.items == 4)
        #expect(t.userIds == ["1", "2", "3"])
        #expect(t.itemIds == ["10", "11", "12", "13"])
        #expect(t.value[0] == 5)
        #expect(t.timestamp[1] == 100)
        #expect(throws: EvaluationError.self) { _ = try DatasetLoader.parse("1\t2\n", format: .udata) }
        #expect(throws: EvaluationError.self) { _ = try DatasetLoader.load(path: "/nonexistent/u.data") }
    }

    @Test("sequence, CSV and dat formats")
    func otherFormats() throws {
        let s = try DatasetLoader.parse("1 5 6 7\n2 6 8\n", format: .sequence)
        #expect(s.count == 5)
        #expect(s.timestamp == [0, 1, 2, 0, 1])
        let c = try DatasetLoader.parse("userId,movieId,rating,timestamp\n1,2,3.5,99\n", format: .csv)
        #expect(c.value == [3.5])
        #expect(c.timestamp == [99])
        let d = try DatasetLoader.parse("1::2::4::7\n", format: .movielensDat)
        #expect(d.value == [4])
        let j = try DatasetLoader.parse("""
            {"user":"a","item":"x","type":"click","ts":1700000001512}
            {"user":"a","item":"y","type":"rating","value":4,"ts":1700000002000}
            """, format: .jsonl)
        #expect(j.value == [1, 4])
        #expect(j.timestamp == [1_700_000_001, 1_700_000_002])
        #expect(throws: EvaluationError.self) { _ = try DatasetLoader.parse("{\"user\":\"a\"}\n", format: .jsonl) }
        #expect(DatasetFormat.auto.resolved(for: "/x/events.jsonl") == .jsonl)
        #expect(DatasetFormat.auto.resolved(for: "/x/Beauty.txt") == .sequence)
        #expect(DatasetFormat.auto.resolved(for: "/x/u.data") == .udata)
    }

    @Test("leave-last-one-out holds out exactly each user's latest event")
    func leaveOneOut() throws {
        let t = try table()
        let split = Splits.leaveLastOut(t, count: 1)
        // User 1: latest is row 0 (t=300). User 2: rows 4 and 5 tie at 60, file order puts row 5 last.
        // User 3 has a single event: kept in training.
        #expect(split.test == [0, 5])
        #expect(split.train == [1, 2, 3, 4, 6])
    }

    @Test("leave-last-two-out holds out exactly the two latest events")
    func leaveTwoOut() throws {
        let t = try table()
        let split = Splits.leaveLastOut(t, count: 2)
        #expect(split.test == [0, 3, 4, 5])
        #expect(split.train == [1, 2, 6])
    }

    @Test("k-fold partitions every row exactly once, reproducibly")
    func kFold() throws {
        let t = try table()
        let folds = Splits.kFold(t, folds: 3, seed: 9)
        #expect(folds.flatMap(\.test).sorted() == Array(0..<7))
        for f in folds { #expect(Set(f.train).isDisjoint(with: f.test)) }
        #expect(Splits.kFold(t, folds: 3, seed: 9) == folds)
    }
}
