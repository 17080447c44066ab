import Testing
@testable import Models

@Suite("Session window and per-user state")
struct SessionWindowTests {
    @Test("keeps the newest capacity steps, oldest first, and wraps without losing order")
    func ringSemantics() {
        var w = SessionWindow(capacity: 3)
        #expect(w.isEmpty && w.capacity == 3 && w.last == nil)
        for i in 0..<2 { w.append(SessionStep(item: Int32(i), type: UInt8(i), timestampMs: Int64(i) * 1_000)) }
        #expect(w.count == 2)
        #expect(w.steps.map(\.item) == [0, 1])
        for i in 2..<8 { w.append(SessionStep(item: Int32(i), type: UInt8(i % 4), timestampMs: i == 6 ? nil : Int64(i) * 1_000)) }
        #expect(w.count == 3)
        #expect(w.steps.map(\.item) == [5, 6, 7])
        #expect(w[0].type == 1 && w[1].timestampMs == nil && w[2].timestampMs == 7_000)
        #expect(w.last?.item == 7)
        var same = SessionWindow(capacity: 3)
        for i in 5..<8 { same.append(w.steps[i - 5]) }
        #expect(same == w)
        same.append(SessionStep(item: 8))
        #expect(same != w)
        w.removeAll()
        #expect(w.isEmpty && w.steps.isEmpty)
        w.append(SessionStep(item: 42))
        #expect(w.steps == [SessionStep(item: 42)])
    }

    @Test("copyOrdered writes the newest steps with gap buckets; missing timestamps give bucket 0")
    func copyOrdered() {
        let c = SessionModelConfiguration(itemCount: 100, gapBucketCount: 20)
        var w = SessionWindow(capacity: 4)
        let times: [Int64?] = [0, 1_000, 3_000, nil, 100_000]
        for (i, t) in times.enumerated() { w.append(SessionStep(item: Int32(10 + i), type: 1, timestampMs: t)) }
        var items = [Int32](repeating: -9, count: 4), types = [UInt8](repeating: 9, count: 4), gaps = [UInt8](repeating: 9, count: 4)
        let n = w.copyOrdered(items: &items, types: &types, gaps: &gaps, maxCount: 3, configuration: c)
        #expect(n == 3)
        #expect(Array(items.prefix(3)) == [12, 13, 14])
        #expect(Array(types.prefix(3)) == [1, 1, 1])
        // First written step: 0; 12 -> 13 has no timestamp: 0; 13 -> 14 follows a missing one: 0.
        #expect(Array(gaps.prefix(3)) == [0, 0, 0])
        let m = w.copyOrdered(items: &items, types: &types, gaps: &gaps, maxCount: 10, configuration: c)
        #expect(m == 4 && items == [11, 12, 13, 14])
        #expect(gaps[1] == c.gapBucket(milliseconds: 2_000))
    }

    @Test("gap buckets: unknown is 0, then 1 + floor(log2(1 + seconds)), capped")
    func gapBuckets() {
        let c = SessionModelConfiguration(itemCount: 1, gapBucketCount: 10)
        #expect(c.gapBucket(milliseconds: nil) == 0)
        #expect(c.gapBucket(milliseconds: -5) == 0)
        #expect(c.gapBucket(milliseconds: 0) == 1)
        #expect(c.gapBucket(milliseconds: 1_000) == 2)
        #expect(c.gapBucket(milliseconds: 3_000) == 3)
        #expect(c.gapBucket(milliseconds: 86_400_000) == 9)
    }

    @Test("SessionState re-encodes on every event and matches a direct encode of its window")
    func stateRecordsAndEncodes() throws {
        let c = SessionModelConfiguration(itemCount: 30, embeddingDimension: 8, hiddenSize: 5, windowLength: 3, seed: 2)
        let model = try BiGRUSessionModel(configuration: c)
        var workspace = SessionWorkspace(configuration: c)
        var state = SessionState(model: model)
        #expect(state.isEmpty)
        var previous = state.vector
        for i in 0..<6 {
            state.record(SessionStep(item: Int32(i * 4), type: 0, timestampMs: Int64(i) * 60_000), model: model, workspace: &workspace)
            #expect(state.vector != previous)
            previous = state.vector
        }
        #expect(state.window.steps.map(\.item) == [12, 16, 20])
        var direct = [Float](repeating: 0, count: 8)
        let items: [Int32] = [12, 16, 20]
        let gaps: [UInt8] = [0, c.gapBucket(milliseconds: 60_000), c.gapBucket(milliseconds: 60_000)]
        direct.withUnsafeMutableBufferPointer {
            model.encode(items: items, types: nil, gaps: gaps, count: 3, workspace: &workspace, into: $0.baseAddress!)
        }
        #expect(direct == state.vector)
    }

    @Test("the benchmark entry point runs and reports positive figures")
    func benchmarkRuns() throws {
        let r = try SessionBenchmark.measureUpdate(hiddenSize: 8, windowLength: 4, itemCount: 50, updates: 20)
        #expect(r.updates == 20 && r.meanMicroseconds > 0 && r.p99Microseconds >= r.medianMicroseconds)
    }
}

@Suite("Hybrid fusion")
struct HybridFusionTests {
    @Test("fuses standardised scores; one missing side ranks by the other alone")
    func fuse() {
        let f = HybridFusion(mfWeight: 0.25, sessionWeight: 0.75)
        let mf: [Float] = [1, 2, 3, 4]          // mean 2.5, std sqrt(1.25)
        let session: [Float] = [10, 10, 10, 30] // mean 15, std sqrt(75)
        let fused = f.fuse(mf: mf, session: session)
        let zm = mf.map { ($0 - 2.5) / Float(1.25).squareRoot() }
        let zs = session.map { ($0 - 15) / Float(75).squareRoot() }
        for i in 0..<4 { #expect(abs(fused[i] - (0.25 * zm[i] + 0.75 * zs[i])) < 1e-5) }
        #expect(f.fuse(mf: nil, session: session) == session.map { $0 - 15 })
        #expect(f.fuse(mf: mf, session: nil) == mf.map { $0 - 2.5 })
        #expect(f.fuse(mf: nil, session: nil) == [])
    }

    @Test("fit picks an interior weight when each side knows different targets")
    func fit() {
        // 100 items with pseudo-random scores in [0, 1); in even examples the session side puts the
        // target far ahead and MF leaves it average, in odd ones the reverse. Only a mix of both
        // ranks every target first.
        var mf: [[Float]] = [], session: [[Float]] = [], targets: [Int] = []
        for e in 0..<10 {
            var m = (0..<100).map { Float(($0 * 37 + e * 11) % 100) / 100 }
            var s = (0..<100).map { Float(($0 * 53 + e * 7) % 100) / 100 }
            let t = (e * 13) % 100
            if e % 2 == 0 { s[t] = 10; m[t] = 0.5 } else { m[t] = 10; s[t] = 0.5 }
            mf.append(m)
            session.append(s)
            targets.append(t)
        }
        let (fusion, ndcg) = HybridFusion.fit(mfScores: mf, sessionScores: session, targets: targets)
        #expect(fusion.sessionWeight > 0.1 && fusion.sessionWeight < 0.9)
        #expect(abs(fusion.mfWeight + fusion.sessionWeight - 1) < 1e-6)
        #expect(ndcg == 1)
        let endpoints = HybridFusion.fit(mfScores: mf, sessionScores: session, targets: targets, steps: 1)
        #expect(endpoints.ndcg10 < 0.75)
        // Both sides right everywhere: every weight ranks all targets first, and ties go to the smallest session share.
        let sessionOnly = HybridFusion.fit(mfScores: mf, sessionScores: mf, targets: targets.indices.map { e in
            mf[e].indices.max { mf[e][$0] < mf[e][$1] }!
        })
        #expect(sessionOnly.ndcg10 == 1 && sessionOnly.fusion.sessionWeight == 0)
        // The row-major overload gives the same answer.
        let flatMF = mf.flatMap { $0 }, flatSession = session.flatMap { $0 }
        let flat = flatMF.withUnsafeBufferPointer { m in
            flatSession.withUnsafeBufferPointer { s in
                HybridFusion.fit(mfScores: m, sessionScores: s, itemCount: 100, targets: targets)
            }
        }
        #expect(flat.fusion == fusion && flat.ndcg10 == ndcg)
        // NDCG@10 at a given share: 1 at the fitted one, the endpoints' figures at 0 and 1 (the
        // best endpoint is what the two-point fit reported).
        func at(_ share: Float) -> Double {
            flatMF.withUnsafeBufferPointer { m in
                flatSession.withUnsafeBufferPointer { s in
                    HybridFusion.ndcg10(mfScores: m, sessionScores: s, itemCount: 100, targets: targets, share: share)
                }
            }
        }
        #expect(at(fusion.sessionShare) == 1)
        #expect(max(at(0), at(1)) == endpoints.ndcg10)
        #expect(at(0) < 0.75 && at(1) < 0.75)
    }
}
