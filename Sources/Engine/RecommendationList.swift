/// One output record: a user's refreshed top-K list, as published on the output topic.
public struct RecommendationList: Sendable, Equatable {
    /// External user id (also the record key).
    public var user: String
    /// Recommended items, best first, with the model's ranking score.
    public var items: [(item: String, score: Float)]
    /// Name of the model that ranked the list.
    public var model: String
    /// Model version: the number of events the model had applied when the list was made.
    public var version: Int64
    /// Wall-clock time the list was made, epoch milliseconds.
    public var generatedAtMs: Int64
    /// Input position of the last event of this user applied before the list was made.
    public var basedOn: EventSource

    /// Creates a list record.
    public init(user: String, items: [(item: String, score: Float)], model: String, version: Int64,
                generatedAtMs: Int64, basedOn: EventSource) {
        self.user = user
        self.items = items
        self.model = model
        self.version = version
        self.generatedAtMs = generatedAtMs
        self.basedOn = basedOn
    }

    public static func == (a: RecommendationList, b: RecommendationList) -> Bool {
        a.user == b.user && a.model == b.model && a.version == b.version
            && a.generatedAtMs == b.generatedAtMs && a.basedOn == b.basedOn
            && a.items.count == b.items.count
            && zip(a.items, b.items).allSatisfy { $0.item == $1.item && $0.score == $1.score }
    }

    /// The record value:
    /// `{"user":…,"items":[{"item":…,"score":…}…],"model":…,"version":N,"generated_at":ms,
    /// "based_on":{"partition":p,"offset":o}}`.
    public func jsonBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + items.count * 32)
        out.append(contentsOf: #"{"user":"#.utf8)
        JSONText.appendString(user, to: &out)
        out.append(contentsOf: #","items":"#.utf8)
        JSONText.appendScoredItems(items, to: &out)
        out.append(contentsOf: #","model":"#.utf8)
        JSONText.appendString(model, to: &out)
        out.append(contentsOf: #","version":\#(version),"generated_at":\#(generatedAtMs),"#.utf8)
        out.append(contentsOf: #""based_on":{"partition":\#(basedOn.partition),"offset":\#(basedOn.offset)}}"#.utf8)
        return out
    }
}

/// Minimal JSON text writing helpers for output records and HTTP responses (no Foundation
/// encoder on these paths).
public enum JSONText {
    /// Appends `s` as a JSON string literal.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `[{"item":…,"score":…},…]`.
    public static func appendScoredItems(_ items: [(item: String, score: Float)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, entry) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"item":"#.utf8)
            appendString(entry.item, to: &out)
            out.append(contentsOf: #","score":"#.utf8)
            appendNumber(entry.score, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Appends a finite number (non-finite values as 0).
    public static func appendNumber(_ x: Float, to out: inout [UInt8]) {
        if x.isFinite {
            out.append(contentsOf: x.description.utf8)
        } else {
            out.append(contentsOf: "0".utf8)
        }
    }
}
