import Foundation
import Models

extension RecommenderCore {
    /// A state seeded from a trained snapshot (`streamrec train`): its factors and id maps, no
    /// history (nothing is excluded from lists until users interact again; popularity starts empty).
    public static func warmStart(path: String, configuration: EngineConfiguration) throws -> RecommenderCore {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SnapshotError(.io, "cannot read warm-start snapshot \(path)")
        }
        return try warmStart(snapshot: WarmStartSnapshot(reader: SnapshotReader(bytes: [UInt8](data))),
                             configuration: configuration)
    }

    /// A state seeded from a trained snapshot held in memory (see `warmStart(path:configuration:)`).
    public static func warmStart(snapshot warm: WarmStartSnapshot, configuration: EngineConfiguration) throws -> RecommenderCore {
        var engine = configuration
        engine.model = warm.model.configuration
        let core = RecommenderCore(configuration: engine, model: try OnlineMF(snapshot: warm.model))
        core.users = IdentifierMap(ids: warm.userIds)
        core.items = IdentifierMap(ids: warm.itemIds)
        for _ in 0..<core.users.count { core.table.addUser() }
        for u in 0..<core.users.count { core.table.eventCount[u] = core.model.userCount[u] }
        for _ in 0..<core.items.count { core.popularity.addItem() }
        return core
    }
}
