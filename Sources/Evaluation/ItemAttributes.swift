import Foundation

/// Attributes of items by item id, as in the S3-Rec `*_item2attributes.json` files
/// (`{"<item id>": [<attribute id>, …], …}`; attribute ids may be numbers or strings).
public struct ItemAttributes: Sendable {
    /// Attribute names of each described item.
    public let byItem: [String: [String]]

    /// Wraps a table.
    public init(byItem: [String: [String]]) { self.byItem = byItem }

    /// Reads an S3-Rec attribute file; throws ``EvaluationError`` for a missing file or another shape.
    public static func load(path: String) throws -> ItemAttributes {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError(.fileNotFound, "cannot read item attributes \(path)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EvaluationError(.parse, "\(path) is not a JSON object of item id → attribute list")
        }
        var out: [String: [String]] = [:]
        out.reserveCapacity(object.count)
        for (item, value) in object {
            guard let list = value as? [Any] else {
                throw EvaluationError(.parse, "\(path): the attributes of item \(item) are not a list")
            }
            out[item] = try list.map { element in
                if let s = element as? String { return s }
                if let n = element as? NSNumber { return n.stringValue }
                throw EvaluationError(.parse, "\(path): item \(item) has an attribute that is neither a number nor a string")
            }
        }
        return ItemAttributes(byItem: out)
    }
}
