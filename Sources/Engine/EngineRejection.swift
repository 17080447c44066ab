/// Why the engine refused an otherwise well-formed event (it goes to the dead-letter topic).
public struct EngineRejection: Error, CustomStringConvertible, Sendable {
    enum Code: String, Sendable {
        case userCapacity = "user_capacity"
        case itemCapacity = "item_capacity"
        case itemUpdateMismatch = "item_update_mismatch"
    }
    let code: Code
    private var detail = ""
    /// Stable snake_case reason written into the dead-letter header.
    public var reason: String { code.rawValue }
    /// A human sentence.
    public var description: String {
        switch code {
        case .userCapacity: return "the user table is full (engine.max_users reached)"
        case .itemCapacity: return "the item table is full (engine.max_items reached)"
        case .itemUpdateMismatch: return detail
        }
    }

    static let userCapacity = EngineRejection(code: .userCapacity)
    static let itemCapacity = EngineRejection(code: .itemCapacity)
    static func itemUpdateMismatch(factors: Int, expected: Int) -> EngineRejection {
        var r = EngineRejection(code: .itemUpdateMismatch)
        r.detail = "an item update with \(factors) factors, this model has \(expected): every instance of a group must run the same engine.factors"
        return r
    }
}
