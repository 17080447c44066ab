@testable import Engine
import Events
import Foundation
@testable import Models
import Testing

/// The item topic's attributes as the input of the session model the engine trains.
@Suite("Item attributes in the session model trained inside the engine")
struct SessionLearningAttributeTests {
    static let buckets = 64

    /// Attributes of item `i`: a category for the first 30 items, a brand for the even ones.
    static func attributes(_ i: Int) -> [String] {
        var list: [String] = []
        if i < 30 { list.append("category:\(i % 3)") }
        if i % 2 == 0 { list.append("brand:\(i % 5)") }
        return list
    }

    static func records(reversed: Bool = false) -> [ItemRecord] {
        let all = (0..<60).map { ItemRecord(item: "i\($0)", attributes: attributes($0)) }
        return reversed ? all.reversed() : all
    }

    /// The feature columns of each vocabulary item of `core`'s serving model, by item id.
    static func columnsById(_ core: RecommenderCore) throws -> [String: [Int32]] {
        let session = try #require(core.session)
        let model = try #require(core.servingSessionModel)
        let f = model.itemFeatures
        var out: [String: [Int32]] = [:]
        for (s, id) in session.sessionItemIds.enumerated() where s < f.itemCount {
            out[id] = Array(f.columns[Int(f.offsets[s])..<Int(f.offsets[s + 1])])
        }
        return out
    }

    @Test("each item's input is the mean of its hashed attribute rows; items without attributes get none")
    func hashedRows() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration { $0.session.learning.attributeBuckets = Self.buckets })
        for r in Self.records() { _ = try core.apply(itemRecord: r) }
        try fixture.feed(core, 0..<1_500)
        #expect(try core.trainSessionModelNow())
        let model = try #require(core.servingSessionModel)
        #expect(model.configuration.attributeCount == Self.buckets)
        let session = try #require(core.session)
        let f = model.itemFeatures
        var withTerm = 0
        for (s, id) in session.sessionItemIds.enumerated() {
            let i = Int(id.dropFirst())!
            let expected = Array(Set(Self.attributes(i).map { SessionAttributeBucket.of($0, buckets: Self.buckets) })).sorted()
            let range = Int(f.offsets[s])..<Int(f.offsets[s + 1])
            #expect(Array(f.columns[range]) == expected, "item \(id)")
            #expect(f.values[range].allSatisfy { $0 == 1 / Float(expected.count) }, "item \(id)")
            if !expected.isEmpty { withTerm += 1 }
        }
        #expect(withTerm > 30)
        #expect(core.sessionLearningStatistics?.attributeItems == withTerm)
        #expect(core.sessionLearningStatistics?.attributeTableRows == Self.buckets)
    }

    @Test("two engines that read the item records in different orders give every item the same attribute rows")
    func orderIndependent() throws {
        let fixture = LearningFixture()
        var columns: [[String: [Int32]]] = []
        for reversed in [false, true] {
            let core = RecommenderCore(configuration: fixture.configuration { $0.session.learning.attributeBuckets = Self.buckets })
            for r in Self.records(reversed: reversed) { _ = try core.apply(itemRecord: r) }
            try fixture.feed(core, 0..<1_200)
            #expect(try core.trainSessionModelNow())
            columns.append(try Self.columnsById(core))
        }
        // The catalogs number the attributes differently ...
        #expect(columns[0].count > 40)
        #expect(columns[0] == columns[1])
    }

    @Test("the attribute rows are learned: training moves the table, and a later round keeps it and adds new items' rows")
    func tableLearnedAndKept() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration { $0.session.learning.attributeBuckets = Self.buckets })
        for r in Self.records() where r.item != "i2" { _ = try core.apply(itemRecord: r) }
        try fixture.feed(core, 0..<1_200)
        #expect(try core.trainSessionModelNow())
        let first = try #require(core.servingSessionModel)
        let table = first.layout.attributeEmbedding
        let rows = Array(UnsafeBufferPointer(start: first.parameters + table, count: Self.buckets * first.layout.embedding))
        // An item record arrives for i2 after the first round; the next round gives it its rows.
        #expect(try Self.columnsById(core)["i2"] == [])
        _ = try core.apply(itemRecord: ItemRecord(item: "i2", attributes: Self.attributes(2)))
        try fixture.feed(core, 1_200..<2_000)
        #expect(try core.trainSessionModelNow())
        let second = try #require(core.servingSessionModel)
        let after = Array(UnsafeBufferPointer(start: second.parameters + table, count: Self.buckets * second.layout.embedding))
        #expect(after != rows)
        #expect(try Self.columnsById(core)["i2"] == Self.attributes(2).map { SessionAttributeBucket.of($0, buckets: Self.buckets) }.sorted())
    }

    @Test("a checkpoint keeps the attribute table, and the restored engine trains on with it")
    func checkpointKeepsTable() throws {
        let fixture = LearningFixture()
        let configuration = fixture.configuration { $0.session.learning.attributeBuckets = Self.buckets }
        let core = RecommenderCore(configuration: configuration)
        for r in Self.records() { _ = try core.apply(itemRecord: r) }
        try fixture.feed(core, 0..<1_200)
        #expect(try core.trainSessionModelNow())
        let bytes = core.checkpoint(offsets: [:], writtenAtMs: 0).encoded()
        let (restored, _) = try RecommenderCore.restore(from: SnapshotReader(bytes: bytes), configuration: configuration)
        #expect(restored.servingSessionModel?.itemFeatures == core.servingSessionModel?.itemFeatures)
        #expect(restored.servingSessionModel.map { $0.weights() == core.servingSessionModel?.weights() } == true)
        try fixture.feed(restored, 1_200..<1_800)
        #expect(try restored.trainSessionModelNow())
        #expect(restored.servingSessionModel?.configuration.attributeCount == Self.buckets)
        #expect(try Self.columnsById(restored) == Self.columnsById(core).merging(Self.columnsById(restored)) { _, new in new })
    }

    @Test("attribute_buckets 0, or no attribute on any item, trains a model without an attribute table")
    func off() throws {
        let fixture = LearningFixture()
        for (buckets, records) in [(0, Self.records()), (Self.buckets, [])] {
            let core = RecommenderCore(configuration: fixture.configuration { $0.session.learning.attributeBuckets = buckets })
            for r in records { _ = try core.apply(itemRecord: r) }
            try fixture.feed(core, 0..<1_200)
            #expect(try core.trainSessionModelNow())
            #expect(core.servingSessionModel?.configuration.attributeCount == 0)
            #expect(core.sessionLearningStatistics?.attributeItems == 0)
        }
    }

    @Test("bucket numbers are FNV-1a of the name, fixed across processes")
    func bucketValues() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; of "" the offset basis 0xcbf29ce484222325.
        #expect(SessionAttributeBucket.of("a", buckets: 1 << 20) == Int32(0xaf63_dc4c_8601_ec8c % UInt64(1 << 20)))
        #expect(SessionAttributeBucket.of("", buckets: 4_096) == Int32(0xcbf2_9ce4_8422_2325 % UInt64(4_096)))
    }

    @Test("session.attribute_buckets out of range is refused")
    func validation() {
        var c = SessionLearningConfiguration()
        c.attributeBuckets = -1
        #expect(throws: SessionLearningError.self) { try c.validate() }
        c.attributeBuckets = SessionLearningConfiguration.maxAttributeBuckets + 1
        #expect(throws: SessionLearningError.self) { try c.validate() }
    }
}
