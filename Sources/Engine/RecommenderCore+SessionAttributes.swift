import Models

extension RecommenderCore {
    /// The session encoder's attribute input for a round: one row per session item (at least
    /// `itemCount` rows), the mean of the hashed buckets (``SessionAttributeBucket``) of the
    /// attributes the item topic gives the item now. Nil when attribute input is off
    /// (`session.attribute_buckets: 0`), when no item carries an attribute, or when the warm start
    /// has an attribute table of another width (a `train-session` snapshot numbers attributes its
    /// own way: its rows are kept as they are).
    func sessionAttributeFeatures(_ session: SessionTracker, _ learning: SessionLearningConfiguration,
                                  itemCount: Int) -> SessionItemFeatures? {
        let buckets = learning.attributeBuckets
        guard buckets > 0, !catalog.attributeNames.isEmpty else { return nil }
        if session.ready {
            let width = session.model.configuration.attributeCount
            guard width == 0 || width == buckets else { return nil }
        }
        var names = [[String]](repeating: [], count: itemCount)
        var any = false
        for (row, s) in session.itemMap.enumerated() where s >= 0 && Int(s) < itemCount && row < catalog.attributes.count {
            let list = catalog.attributes[row]
            guard !list.isEmpty else { continue }
            names[Int(s)] = list.map { catalog.attributeNames[Int($0)] }
            any = true
        }
        guard any else { return nil }
        return try? SessionAttributeBucket.features(names, buckets: buckets)
    }
}
