import Foundation
import Models

extension RecommenderCore {
    /// Section names of the id maps written by `streamrec train` beside the MF snapshot.
    public static let warmStartSections = (users: "ids.users", items: "ids.items")

    /// A state seeded from a trained snapshot: its factors and id maps, no history (nothing is
    /// excluded from lists until users interact again; popularity starts empty).
    public static func warmStart(path: String, configuration: EngineConfiguration) throws -> RecommenderCore {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SnapshotError(.io, "cannot read warm-start snapshot \(path)")
        }
        let reader = try SnapshotReader(bytes: [UInt8](data))
        let snapshot = try OnlineMFSnapshot(reader: reader)
        var engine = configuration
        engine.model = snapshot.configuration
        let core = RecommenderCore(configuration: engine, model: try OnlineMF(snapshot: snapshot))
        var users = ByteReader(try reader.section(warmStartSections.users), context: warmStartSections.users)
        var items = ByteReader(try reader.section(warmStartSections.items), context: warmStartSections.items)
        core.users = IdentifierMap(ids: try users.readStrings())
        core.items = IdentifierMap(ids: try items.readStrings())
        guard core.users.count == core.model.users, core.items.count == core.model.items else {
            throw SnapshotError(.malformed, "\(path): id maps (\(core.users.count) users, \(core.items.count) items) do not match the factors (\(core.model.users), \(core.model.items))")
        }
        for _ in 0..<core.users.count { core.table.addUser() }
        for u in 0..<core.users.count { core.table.eventCount[u] = core.model.userCount[u] }
        for _ in 0..<core.items.count { core.popularity.addItem() }
        return core
    }
}
