import Foundation
import Linalg
import Testing
@testable import Models

/// Planted rank-2 data: 40 users × 30 items, 60% observed, ratings in about 1…5.
private func planted(binary: Bool = false) throws -> TrainingData {
    var rng = SeededGenerator(seed: 3)
    let pu = (0..<80).map { _ in rng.nextGaussian() }, qi = (0..<60).map { _ in rng.nextGaussian() }
    var u: [Int32] = [], i: [Int32] = [], v: [Float] = []
    for a in 0..<40 {
        for b in 0..<30 where rng.nextUnit() < 0.6 {
            let r = 3 + 0.7 * (pu[2 * a] * qi[2 * b] + pu[2 * a + 1] * qi[2 * b + 1])
            if binary && r < 3 { continue }
            u.append(Int32(a)); i.append(Int32(b)); v.append(binary ? 1 : min(5, max(1, r)))
        }
    }
    return try TrainingData(users: 40, items: 30, userIndex: u, itemIndex: i, values: v)
}

/// Naive Gaussian elimination with partial pivoting (the direct solve ALS is checked against).
private func gaussSolve(_ a: [Double], _ b: [Double]) -> [Double] {
    let n = b.count
    var m = a, x = b
    for c in 0..<n {
        let p = (c..<n).max { abs(m[$0 * n + c]) < abs(m[$1 * n + c]) }!
        if p != c {
            for k in 0..<n { m.swapAt(c * n + k, p * n + k) }
            x.swapAt(c, p)
        }
        for r in (c + 1)..<max(c + 1, n) {
            let f = m[r * n + c] / m[c * n + c]
            for k in c..<n { m[r * n + k] -= f * m[c * n + k] }
            x[r] -= f * x[c]
        }
    }
    for r in stride(from: n - 1, through: 0, by: -1) {
        var s = x[r]
        for k in (r + 1)..<max(r + 1, n) { s -= m[r * n + k] * x[k] }
        x[r] = s / m[r * n + r]
    }
    return x
}

@Suite("Batch learners")
struct FactorizationBatchTests {
    @Test("Cholesky solves a known SPD system and rejects an indefinite one")
    func cholesky() throws {
        let a: [Double] = [4, 2, 0, 2, 5, 1, 0, 1, 3]
        let x = try Cholesky.solve(a, [2, 9, 7])
        let direct = gaussSolve(a, [2, 9, 7])
        for k in 0..<3 { #expect(abs(x[k] - direct[k]) < 1e-12) }
        #expect(throws: ModelError.self) { _ = try Cholesky.solve([1, 2, 2, 1], [1, 1]) }
    }

    @Test("implicit ALS fold-in equals the direct solve of the Hu–Koren–Volinsky normal equations")
    func implicitFoldIn() throws {
        let data = try planted(binary: true)
        let config = ALSConfiguration(feedback: .implicit, factors: 5, regularization: 0.3, alpha: 4, iterations: 3)
        let als = try ALS.train(data, configuration: config)
        let history: [Int32] = [1, 4, 7, 20], weights: [Float] = [1, 2, 1, 3]
        let x = try als.foldIn(items: history, weights: weights)
        let d = 5
        var a = [Double](repeating: 0, count: d * d), b = [Double](repeating: 0, count: d)
        for i in 0..<als.items {
            let y = als.itemFactors.rowBuffer(i).map(Double.init)
            let k = history.firstIndex(of: Int32(i))
            let c = k.map { 1 + 4 * Double(weights[$0]) } ?? 1
            let p: Double = k == nil ? 0 : 1
            for r in 0..<d {
                b[r] += c * p * y[r]
                for s in 0..<d { a[r * d + s] += c * y[r] * y[s] }
            }
        }
        for r in 0..<d { a[r * d + r] += 0.3 }
        let direct = gaussSolve(a, b)
        for k in 0..<d { #expect(abs(Double(x[k]) - direct[k]) < 1e-4, "component \(k)") }
    }

    @Test("explicit ALS fold-in equals the direct biased ridge solve")
    func explicitFoldIn() throws {
        let data = try planted()
        let config = ALSConfiguration(feedback: .explicit, factors: 4, regularization: 0.1, iterations: 3)
        let als = try ALS.train(data, configuration: config)
        let history: [Int32] = [0, 3, 9, 12, 29], ratings: [Float] = [4, 2, 5, 3, 1]
        let (x, bias) = try als.foldInExplicit(items: history, ratings: ratings)
        let m = 5
        var a = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m)
        for (j, r) in zip(history, ratings) {
            let z = als.itemFactors.rowBuffer(Int(j)).map(Double.init) + [1]
            let t = Double(r) - Double(als.globalMean) - Double(als.itemBias[Int(j)])
            for p in 0..<m {
                b[p] += t * z[p]
                for q in 0..<m { a[p * m + q] += z[p] * z[q] }
            }
        }
        for p in 0..<m { a[p * m + p] += 0.1 * 5 }
        let direct = gaussSolve(a, b)
        for k in 0..<4 { #expect(abs(Double(x[k]) - direct[k]) < 1e-4) }
        #expect(abs(Double(bias) - direct[4]) < 1e-4)
        #expect(throws: ModelError.self) { _ = try als.foldInExplicit(items: [99], ratings: [1]) }
    }

    @Test("every learner lowers its training loss on planted data")
    func lossesDecrease() throws {
        let ratings = try planted(), clicks = try planted(binary: true)
        func check(_ name: String, _ run: (@escaping (TrainingProgress) -> Void) throws -> Void) rethrows {
            var losses: [Double] = []
            try run { losses.append($0.loss) }
            #expect(losses.count >= 2, "\(name) reported no progress")
            if let first = losses.first, let last = losses.last {
                #expect(last < first * 0.9, "\(name): \(first) -> \(last)")
                #expect(last.isFinite)
            }
        }
        var explicit = OnlineMFConfiguration.explicitDefaults
        explicit.factors = 4
        explicit.learningRate = 0.03
        check("biasedmf") { p in _ = OnlineMF.train(ratings, configuration: explicit, schedule: SGDSchedule(epochs: 15), progress: p) }
        var implicit = OnlineMFConfiguration.implicitDefaults
        implicit.factors = 4
        check("bmf") { p in _ = OnlineMF.train(clicks, configuration: implicit, schedule: SGDSchedule(epochs: 15), progress: p) }
        check("bpr") { p in _ = OnlineMF.trainBPR(clicks, configuration: implicit, schedule: SGDSchedule(epochs: 15), progress: p) }
        check("svdpp") { p in
            _ = SVDPlusPlus.train(ratings, configuration: SVDPlusPlusConfiguration(factors: 4, learningRate: 0.02),
                                  schedule: SGDSchedule(epochs: 15), progress: p)
        }
        try check("als") { p in
            _ = try ALS.train(ratings, configuration: ALSConfiguration(feedback: .explicit, factors: 4, regularization: 0.05,
                                                                          iterations: 5, initStd: 0.5), progress: p)
        }
        try check("ials") { p in
            _ = try ALS.train(clicks, configuration: ALSConfiguration(feedback: .implicit, factors: 4, iterations: 5, initStd: 0.5), progress: p)
        }
        check("nmf") { p in _ = NMF(ratings, mode: .observed, factors: 4, iterations: 20, regularization: 0.01, progress: p) }
    }

    @Test("training data rejects bad input and builds consistent CSR views")
    func trainingData() throws {
        #expect(throws: ModelError.self) { _ = try TrainingData(users: 1, items: 1, userIndex: [0], itemIndex: [1], values: [1]) }
        #expect(throws: ModelError.self) { _ = try TrainingData(users: 1, items: 1, userIndex: [0], itemIndex: [0], values: []) }
        let d = try TrainingData(users: 2, items: 3, userIndex: [1, 0, 1], itemIndex: [2, 0, 0], values: [5, 3, 4])
        #expect(d.userOffsets == [0, 1, 3])
        #expect(d.userItems == [0, 2, 0])
        #expect(d.itemOffsets == [0, 2, 2, 3])
        #expect(d.itemUsers == [0, 1, 1])
        #expect(d.mean == 4)
        let seen = SeenItems(d)
        #expect(seen.contains(user: 1, item: 2))
        #expect(!seen.contains(user: 0, item: 2))
    }

    @Test("ALS converts to an OnlineMF warm start that predicts the same")
    func alsWarmStart() throws {
        let data = try planted()
        let als = try ALS.train(data, configuration: ALSConfiguration(feedback: .explicit, factors: 3, iterations: 3))
        let learner = try OnlineMF(snapshot: als.onlineSnapshot(configuration: .explicitDefaults))
        #expect(learner.factors == 3)
        for (u, i) in [(0, 0), (5, 7), (39, 29)] {
            #expect(abs(learner.predict(user: Int32(u), item: Int32(i)) - als.predict(user: Int32(u), item: Int32(i))) < 1e-5)
        }
    }
}
