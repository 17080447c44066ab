import Models

/// The session encoder as one model per group: one member trains it (the pipeline picks the
/// owner of input partition 0) and publishes every model it installs; the others do not train
/// and install what it publishes, mapped onto their own session vocabulary by item id.
///
/// A published model is a snapshot with the `SessionSnapshot` sections and `session.shared`
/// (`Int64` version, `Int64` wall-clock ms it was made).
extension RecommenderCore {
    static let sharedSessionSection = "session.shared"

    /// Whether this instance trains the session encoder (true unless a group member trains it).
    public var sessionTrainsHere: Bool {
        get { session?.learningState.trainsHere ?? false }
        set { session?.learningState.trainsHere = newValue }
    }

    /// Version of the session model serving now (0: none).
    public var sessionModelVersion: Int64 { session?.modelVersion ?? 0 }

    /// Models of other members installed since the start.
    public var sharedSessionModelsInstalled: Int64 { session?.learningState.sharedInstalled ?? 0 }

    /// The model serving now, encoded for the other members, when this instance trains it and
    /// has not handed out this version yet (nil otherwise). Call with the core held.
    public func takeSessionModelToPublish() -> (version: Int64, bytes: [UInt8])? {
        guard let session, session.learning != nil, session.learningState.trainsHere, session.ready,
              session.modelVersion > session.learningState.publishedVersion else { return nil }
        let model = session.model
        let ids = Array(session.sessionItemIds.prefix(model.itemCount))
        guard ids.count == model.itemCount, let snapshot = try? SessionSnapshot(model: model, itemIds: ids, fusion: session.fusion) else { return nil }
        var writer = SnapshotWriter()
        snapshot.write(into: &writer)
        writer.addSection(Self.sharedSessionSection) { w in
            w.append(session.modelVersion)
            w.append(session.modelMadeAtMs)
        }
        session.learningState.publishedVersion = session.modelVersion
        return (session.modelVersion, writer.encoded())
    }

    /// Installs a model another member published, when it is newer than the one serving (its
    /// items mapped onto this vocabulary by id). Returns the version installed, nil when it is
    /// not newer or learning is off. Throws when the bytes are not such a model, or its window
    /// length or width differ from this configuration's. Call with the core held.
    @discardableResult
    public func installSharedSessionModel(_ bytes: [UInt8]) throws -> Int64? {
        guard let session, session.learning != nil else { return nil }
        let reader = try SnapshotReader(bytes: bytes)
        var meta = ByteReader(try reader.section(Self.sharedSessionSection), context: Self.sharedSessionSection)
        let version = try meta.read(Int64.self)
        let madeAtMs = try meta.read(Int64.self)
        let snapshot = try SessionSnapshot(reader: reader)
        guard snapshot.model.sessionDimension == session.model.sessionDimension,
              snapshot.model.configuration.windowLength == session.model.configuration.windowLength else {
            throw SnapshotError(.malformed, "a shared session model of width \(snapshot.model.sessionDimension) and window \(snapshot.model.configuration.windowLength); this member runs \(session.model.sessionDimension) and \(session.model.configuration.windowLength): every member of a group must run the same session settings")
        }
        guard version > session.modelVersion else { return nil }
        installMapped(snapshot, into: session, version: version, madeAtMs: madeAtMs)
        session.learningState.nextVersion = max(session.learningState.nextVersion, version + 1)
        session.learningState.publishedVersion = max(session.learningState.publishedVersion, version)
        session.learningState.sharedInstalled += 1
        return version
    }
}
