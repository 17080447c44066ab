import Foundation
import Models

/// The session side of a snapshot written by `streamrec train-session`: the Bi-GRU encoder,
/// the external id of each of its item indices, and the fusion weights fitted on validation.
///
/// Sections: `session.bigru` (``BiGRUSessionModel/serialize()``, with its own format version),
/// `session.items` (item ids), `session.meta` (`UInt32` layout version 1, `Float` MF weight,
/// `Float` session weight).
public struct SessionSnapshot: Sendable {
    /// Section names, shared with the trainer that writes them (``SessionSnapshotLayout``).
    public static let sections = SessionSnapshotLayout.sections
    /// Layout version of `session.meta` this build reads and writes.
    public static let metaVersion = SessionSnapshotLayout.metaVersion

    /// The encoder; its weights stay fixed while the daemon runs.
    public let model: BiGRUSessionModel
    /// External id of each session item index.
    public let itemIds: [String]
    /// How MF and session scores are fused.
    public var fusion: HybridFusion

    /// Creates a snapshot; throws when the id list does not match the model's items.
    public init(model: BiGRUSessionModel, itemIds: [String], fusion: HybridFusion) throws {
        guard itemIds.count == model.itemCount else {
            throw SnapshotError(.malformed, "session snapshot: \(itemIds.count) item ids for \(model.itemCount) session items")
        }
        self.model = model
        self.itemIds = itemIds
        self.fusion = fusion
    }

    /// Reads the session sections of a verified snapshot.
    public init(reader: SnapshotReader) throws {
        let model: BiGRUSessionModel
        do {
            model = try BiGRUSessionModel(serialized: try reader.section(Self.sections.model))
        } catch let error as SessionModelError {
            throw SnapshotError(.malformed, "\(Self.sections.model): \(error.message)")
        }
        var items = try reader.reader(for: Self.sections.items)
        var meta = try reader.reader(for: Self.sections.meta)
        let version = try meta.read(UInt32.self)
        guard version == Self.metaVersion else {
            throw SnapshotError(.unsupportedVersion, "\(Self.sections.meta) version \(version); this build reads \(Self.metaVersion)")
        }
        let fusion = HybridFusion(mfWeight: try meta.readFloat(), sessionWeight: try meta.readFloat())
        try self.init(model: model, itemIds: try items.readStrings(), fusion: fusion)
    }

    /// Reads a snapshot file.
    public init(path: String) throws {
        try self.init(reader: SnapshotReader(path: path))
    }

    /// Adds the session sections to `writer`.
    public func write(into writer: inout SnapshotWriter) {
        writer.addSection(Self.sections.model, bytes: model.serialize())
        writer.addSection(Self.sections.items) { $0.append(itemIds) }
        writer.addSection(Self.sections.meta) { w in
            w.append(Self.metaVersion)
            w.append(fusion.mfWeight)
            w.append(fusion.sessionWeight)
        }
    }
}
