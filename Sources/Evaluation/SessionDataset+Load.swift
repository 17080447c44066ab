import Models

extension SessionDataset {
    /// Reads the interaction file at `path` into per-user sequences through ``DatasetLoader`` (Events'
    /// `InteractionFileReader`, so every format `streamrec eval` reads): each user's rows oldest
    /// first, users and item ids numbered in order of first appearance, step times from epoch
    /// timestamps (none for sequence files, whose times are positions).
    public static func load(path: String, format: DatasetFormat = .auto) throws -> SessionDataset {
        let data = try DatasetLoader.load(path: path, format: format)
        return SessionDataset(sequences: SessionModelFitter.histories(data), itemCount: data.items,
                              originalItemIds: data.itemIds)
    }
}
