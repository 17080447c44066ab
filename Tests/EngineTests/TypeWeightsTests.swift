@testable import Engine
import Events
import Testing

@Suite("Type weight table")
struct TypeWeightsTests {
    @Test("equals EngineConfiguration.weight for every type, with and without a value, default and custom weights")
    func matchesConfiguration() {
        var custom = EngineConfiguration()
        custom.typeWeights = [.view: 0.25, .purchase: 7]  // the others fall back to 1
        custom.eventLimits.ratingRange = 1...10
        var noTop = EngineConfiguration()
        noTop.eventLimits.ratingRange = -5...0
        for configuration in [EngineConfiguration(), custom, noTop] {
            let table = TypeWeights(configuration)
            for type in EventType.allCases {
                for value: Float? in [nil, 0, 2.5, 5, 10] {
                    #expect(table.weight(of: type, value: value) == configuration.weight(of: type, value: value),
                            "\(type) \(String(describing: value))")
                }
            }
        }
    }
}
