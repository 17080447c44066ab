/// Kind of a user–item interaction, ordered roughly by strength of intent.
public enum EventType: UInt8, CaseIterable, Sendable {
    case view, click, cart, purchase, rating

    /// The wire name used in schema v1 (`"view"`, `"click"`, ...).
    public var name: String {
        switch self {
        case .view: "view"
        case .click: "click"
        case .cart: "cart"
        case .purchase: "purchase"
        case .rating: "rating"
        }
    }

    /// Parses a wire name; `nil` for anything that is not exactly one of the five names.
    public init?(name: String) {
        var name = name
        let parsed: EventType? = name.withUTF8 { EventType(utf8: UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses a wire name from raw UTF-8 bytes without allocating.
    @inlinable
    init?(utf8 bytes: UnsafeRawBufferPointer) {
        @inline(__always) func eq(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == bytes.count else { return false }
            let p = literal.utf8Start
            for i in 0..<bytes.count where p[i] != bytes[i] { return false }
            return true
        }
        switch bytes.count {
        case 4:
            if eq("view") { self = .view } else if eq("cart") { self = .cart } else { return nil }
        case 5:
            if eq("click") { self = .click } else { return nil }
        case 6:
            if eq("rating") { self = .rating } else { return nil }
        case 8:
            if eq("purchase") { self = .purchase } else { return nil }
        default:
            return nil
        }
    }
}
