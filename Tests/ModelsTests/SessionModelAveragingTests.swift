import Testing
@testable import Models

@Suite("Session model weight averaging")
struct SessionModelAveragingTests {
    private func model(seed: UInt64, items: Int = 7) throws -> BiGRUSessionModel {
        try BiGRUSessionModel(configuration: SessionModelConfiguration(itemCount: items, embeddingDimension: 4, hiddenSize: 3,
                                                                       windowLength: 4, seed: seed))
    }

    @Test("moving towards another model gives (1 − w)·self + w·other at every weight, and leaves both alone")
    func movesEveryWeight() throws {
        let a = try model(seed: 1), b = try model(seed: 2)
        let before = (0..<a.parameterCount).map { a.parameters[$0] }
        let moved = try a.moved(towards: b, weight: 0.25)
        #expect(moved !== a && moved !== b)
        var differ = 0
        for i in 0..<a.parameterCount {
            let expected = 0.75 * a.parameters[i] + 0.25 * b.parameters[i]
            #expect(abs(moved.parameters[i] - expected) <= 1e-6 * max(1, abs(expected)))
            #expect(a.parameters[i] == before[i])
            if a.parameters[i] != b.parameters[i] { differ += 1 }
        }
        #expect(differ > a.parameterCount / 2, "the two seeds gave alike weights: the test shows nothing")
        // Weight 1 is the other model, weight 0 this one.
        let whole = try a.moved(towards: b, weight: 1), none = try a.moved(towards: b, weight: 0)
        for i in 0..<a.parameterCount {
            #expect(whole.parameters[i] == b.parameters[i])
            #expect(none.parameters[i] == a.parameters[i])
        }
    }

    @Test("models of other shapes are refused")
    func refusesOtherShapes() throws {
        let a = try model(seed: 1), b = try model(seed: 2, items: 9)
        #expect(throws: SessionModelError.self) { try a.moved(towards: b, weight: 0.5) }
    }
}
