import Engine
import Events
import Foundation
import Linalg
import Models
import Testing
@testable import Evaluation

/// `eval --model engine --set state=FILE` scores a saved engine state as it stands: its rows come
/// from the engine's ranking mapped to the data set's item order by id, items the engine never
/// saw rank last, and the leave-one-out figures are those of the lists the engine would publish.
@Suite("eval scores a saved engine state")
struct EngineStateEvaluationTests {
    /// The planted data set, and an engine that applied every user's events but the last, users in
    /// reverse order (so the engine numbers users and items otherwise than the data set).
    func savedState(sessionRound: Bool = false, sessionShape: SessionModelConfiguration? = nil) throws
        -> (data: Interactions, core: RecommenderCore, path: String) {
        let data = try DatasetLoader.parse(SessionEvaluationTests.sequenceText(), format: .sequence)
        var engine = EngineConfiguration()
        engine.model.factors = 8
        engine.debounceMs = 0
        // The default session shape unless one is given: a restored state serves its learned
        // model only when the configured window and width match (`eval` configures the default).
        engine.session.learning.enabled = sessionRound
        if let sessionShape { engine.session.learning.model = sessionShape }
        let core = RecommenderCore(configuration: engine)
        var offset: Int64 = 0
        for rows in data.rowsByUser().reversed() {
            for k in rows.dropLast() {
                let event = Event(user: data.userIds[Int(data.user[k])], item: data.itemIds[Int(data.item[k])],
                                  type: .click, value: 1, timestampMs: 1_700_000_000_000 + offset)
                try core.apply(event, source: EventSource(partition: 0, offset: offset))
                offset += 1
            }
        }
        if sessionRound { #expect(try core.trainSessionModelNow()) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-state-\(UUID().uuidString).bin").path
        try core.checkpoint(offsets: [:], writtenAtMs: 0).write(toPath: path)
        return (data, core, path)
    }

    @Test("rows are the engine's in the data set's item order, unknown items lowest; top 10 over unseen is the engine's list")
    func rowsAndLists() throws {
        let (data, core, path) = try savedState()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try EngineStateModel(path: path, data: data)
        #expect(core.itemIds != data.itemIds, "the engine numbers items otherwise")
        let unknown = (0..<data.items).filter { core.items.index(of: data.itemIds[$0]) == nil }
        #expect(model.knownItems == data.items - unknown.count)
        var scores = [Float](repeating: 0, count: data.items)
        var selector = TopKSelector(capacity: 10)
        var hits = 0
        let histories = data.rowsByUser()
        for u in 0..<data.users {
            scores.withUnsafeMutableBufferPointer { model.scoreAll(user: Int32(u), into: $0) }
            for i in unknown { #expect(scores[i] == -Float.greatestFiniteMagnitude) }
            let seen = Set(histories[u].dropLast().map { Int(data.item[$0]) })
            let top = scores.withUnsafeBufferPointer { s in selector.select(s, k: 10) { seen.contains($0) } }
            let list = try #require(core.currentList(for: data.userIds[u], k: 10, wallClockMs: 0))
            #expect(list.items.map(\.item) == top.map { data.itemIds[$0.index] }, "user \(data.userIds[u])")
            // The harness ranks the held-out item even when the user had it before (then it is not in the list).
            let target = Int(data.item[histories[u].last!])
            let ranked = scores.withUnsafeBufferPointer { s in selector.select(s, k: 10) { $0 != target && seen.contains($0) } }
            if ranked.contains(where: { $0.index == target }) { hits += 1 }
        }
        // The harness's leave-one-out HR@10 is the share of users whose held-out item is in the top 10.
        let request = EvaluationRequest(datasetPath: "planted", protocol: .loo, models: ["engine"], kList: [10], seed: 1,
                                        options: ["state": path])
        let result = try Evaluator.run(model: "engine", on: data, request: request)
        #expect(abs((result.metrics["hr@10"] ?? -1) - Double(hits) / Double(data.users)) < 1e-9)
        #expect(hits > 0)
    }

    @Test("fusion=SHARE scores the state's session model at that share; out of range, or a state without one, is refused")
    func fixedFusion() throws {
        let (data, _, path) = try savedState(sessionRound: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fitted = try EngineStateModel(path: path, data: data)
        #expect(fitted.core.servingSessionFusion?.sessionShare == 0.5, "the first round keeps equal weights")
        func rows(_ model: EngineStateModel) -> [[Float]] {
            (0..<data.users).map { u in
                var row = [Float](repeating: 0, count: data.items)
                row.withUnsafeMutableBufferPointer { model.scoreAll(user: Int32(u), into: $0) }
                return row
            }
        }
        let mfOnly = try EngineStateModel(path: path, data: data, share: 0)
        let sessionOnly = try EngineStateModel(path: path, data: data, share: 1)
        #expect(mfOnly.core.servingSessionFusion?.sessionShare == 0)
        #expect(sessionOnly.core.servingSessionFusion?.sessionShare == 1)
        let a = rows(mfOnly), b = rows(sessionOnly), c = rows(fitted)
        #expect(a != b && a != c && b != c)
        // Through the harness, with the share checked.
        for bad in ["1.5", "-0.1", "half"] {
            let request = EvaluationRequest(datasetPath: "planted", protocol: .loo, models: ["engine"], kList: [10], seed: 1,
                                            options: ["state": path, "fusion": bad])
            #expect { try Evaluator.run(model: "engine", on: data, request: request) } throws: {
                String(describing: $0).contains("fusion=\(bad)")
            }
        }
        let (_, _, plain) = try savedState()
        defer { try? FileManager.default.removeItem(atPath: plain) }
        #expect { try EngineStateModel(path: plain, data: data, share: 0.8) } throws: {
            String(describing: $0).contains("holds no session model")
        }
    }

    @Test("a state whose learned session model has another window and width is refused, not scored by MF alone")
    func otherSessionShape() throws {
        let shape = SessionModelConfiguration(itemCount: 1, embeddingDimension: 8, hiddenSize: 8, windowLength: 6, typeCount: 5,
                                              batchSize: 32, seed: 3)
        let (data, core, path) = try savedState(sessionRound: true, sessionShape: shape)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(core.servingSessionFusion != nil, "the saving core serves its learned model")
        #expect { try EngineStateModel(path: path, data: data) } throws: {
            let text = String(describing: $0)
            return text.contains("window 6") && text.contains("left out") && text.contains("default session shape")
        }
    }

    @Test("no state, or a file that is not one, is refused with the option named")
    func badState() throws {
        let data = try DatasetLoader.parse(SessionEvaluationTests.sequenceText(users: 5), format: .sequence)
        #expect { try EngineStateModel(path: "", data: data) } throws: { String(describing: $0).contains("state=FILE") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-state-\(UUID().uuidString)").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try EngineStateModel(path: path, data: data) } throws: { String(describing: $0).contains("state=\(path)") }
    }
}
