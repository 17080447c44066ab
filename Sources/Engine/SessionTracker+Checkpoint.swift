import Models

extension SessionTracker {
    /// First word of a windows section written with learning on (in place of the model's item count).
    static let learnedMarker = UInt64.max
    /// Layout version of that section.
    static let learnedFormat: UInt64 = 1

    /// With learning on, the checkpoint holds the vocabulary, the serving model and the windows
    /// (vocabulary indices, event types and times, least recently active first): marker, format,
    /// item ids, a flag and when set the model (`BiGRUSessionModel.serialize()`), its fusion
    /// weights, version and time made; then the windows.
    func writeLearned(into w: inout ByteWriter) {
        w.append(Self.learnedMarker)
        w.append(Self.learnedFormat)
        w.append(sessionItemIds)
        w.append(UInt8(ready ? 1 : 0))
        if ready {
            let bytes = model.serialize()
            w.append(UInt64(bytes.count))
            w.append(bytes: bytes)
            w.append(fusion.mfWeight)
            w.append(fusion.sessionWeight)
            w.append(modelVersion)
            w.append(modelMadeAtMs)
        }
        let held = recency.rowsOldestFirst.filter { Int($0) < slots.count && slots[Int($0)] != nil }
        w.append(UInt64(held.count))
        for row in held {
            let u = Int(row)
            let steps = slots[u]!.window.steps
            w.append(Int32(u))
            w.append(lastEventMs[u])
            w.append(steps.map(\.item))
            for s in steps { w.append(s.type) }
            for s in steps { w.append(s.timestampMs ?? .min) }
        }
    }

    /// Reads what `writeLearned` wrote (after the marker): the vocabulary replaces this tracker's,
    /// the model (when one was serving) is installed, and the windows are restored (encoded when
    /// first read). Returns the windows restored.
    func readLearned(from r: inout ByteReader, format: UInt64, userCount: Int) throws -> Int {
        guard format == Self.learnedFormat else {
            throw SnapshotError(.unsupportedVersion, "learned session state format \(format); this build reads \(Self.learnedFormat)")
        }
        let ids = try r.readStrings()
        var index: [String: Int32] = [:]
        index.reserveCapacity(ids.count)
        for (k, id) in ids.enumerated() { index[id] = Int32(k) }
        replaceVocabulary(ids: ids, index: index)
        if try r.read(UInt8.self) == 1 {
            let n = Int(try r.read(UInt64.self))
            let restored: BiGRUSessionModel
            do {
                restored = try BiGRUSessionModel(serialized: try r.readBytes(n))
            } catch let error as SessionModelError {
                throw SnapshotError(.malformed, "learned session model: \(error.message)")
            }
            let f = HybridFusion(mfWeight: try r.readFloat(), sessionWeight: try r.readFloat())
            let version = try r.read(Int64.self), made = try r.read(Int64.self)
            guard restored.itemCount <= ids.count else {
                throw SnapshotError(.malformed, "learned session model knows \(restored.itemCount) items, the vocabulary \(ids.count)")
            }
            if restored.sessionDimension == model.sessionDimension,
               restored.configuration.windowLength == model.configuration.windowLength {
                install(model: restored, fusion: f, encoder: SessionBatchEncoder(model: restored), version: version, madeAtMs: made)
            } else {
                skippedLearnedModel = "the learned session model (window \(restored.configuration.windowLength), vector width "
                    + "\(restored.sessionDimension)) does not fit this configuration (window \(model.configuration.windowLength), "
                    + "vector width \(model.sessionDimension)) and is left out"
            }
        }
        let count = Int(try r.read(UInt64.self))
        for _ in 0..<count {
            let u = Int(try r.read(Int32.self))
            let last = try r.read(Int64.self)
            let items = try r.readInt32s()
            guard u >= 0, u < userCount, items.allSatisfy({ $0 >= 0 && Int($0) < ids.count }) else {
                throw SnapshotError(.malformed, "session window of row \(u) does not match the user table")
            }
            var types = [UInt8](repeating: 0, count: items.count)
            for k in items.indices { types[k] = try r.read(UInt8.self) }
            var slot = SessionState(model: model)
            for (k, item) in items.enumerated() {
                let t = try r.read(Int64.self)
                slot.append(SessionStep(item: item, type: types[k], timestampMs: t == .min ? nil : t))
            }
            ensureUser(u)
            if slots[u] == nil { heldCount += 1 }
            slots[u] = slot
            lastEventMs[u] = last
            recency.touch(Int32(u))
        }
        return count
    }
}
