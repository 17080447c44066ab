import Foundation
import Linalg
import Testing
@testable import Models

/// Parameters touched by one step, flattened: pu, bu, then per item (q, b).
private struct Touched {
    var pu: [Double]
    var bu: Double
    var q: [[Double]]
    var b: [Double]

    init(_ s: OnlineMFSnapshot, user: Int, items: [Int]) {
        let d = s.configuration.factors
        pu = (0..<d).map { Double(s.userFactors[user * d + $0]) }
        bu = Double(s.userBias[user])
        q = items.map { i in (0..<d).map { Double(s.itemFactors[i * d + $0]) } }
        b = items.map { Double(s.itemBias[$0]) }
    }

    var flat: [Double] { pu + [bu] + q.flatMap { $0 } + b }

    mutating func set(flat v: [Double]) {
        let d = pu.count
        pu = Array(v[0..<d]); bu = v[d]
        var o = d + 1
        for k in q.indices { q[k] = Array(v[o..<o + d]); o += d }
        for k in b.indices { b[k] = v[o]; o += 1 }
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
private func sq(_ a: [Double]) -> Double { dot(a, a) }
private func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// Central-difference gradient of `f` at `x`.
private func numericGradient(_ x: [Double], _ f: ([Double]) -> Double) -> [Double] {
    let h = 1e-5
    return x.indices.map { k in
        var a = x, b = x
        a[k] += h; b[k] -= h
        return (f(a) - f(b)) / (2 * h)
    }
}

private func plantedModel(_ config: OnlineMFConfiguration, users: Int, items: Int, warmup: Int) -> OnlineMF {
    let model = OnlineMF(configuration: config)
    for _ in 0..<users { model.addUser() }
    for _ in 0..<items { model.addItem() }
    var rng = SeededGenerator(seed: 7)
    for _ in 0..<warmup {
        let u = Int32(rng.nextInt(below: users)), i = Int32(rng.nextInt(below: items))
        model.update(user: u, item: i, value: config.feedback == .explicit ? Float(1 + rng.nextInt(below: 5)) : 1)
    }
    return model
}

@Suite("OnlineMF")
struct FactorizationOnlineMFTests {
    @Test("explicit SGD step equals minus learning rate times the gradient of squared loss with L2",
          arguments: [false, true])
    func explicitGradient(adaptive: Bool) throws {
        var config = OnlineMFConfiguration.explicitDefaults
        config.factors = 4
        config.learningRate = 0.01
        config.regularization = 0.1
        config.biasRegularization = 0.05
        config.frequencyAdaptive = adaptive
        config.initStd = 0.3
        let model = plantedModel(config, users: 3, items: 4, warmup: 20)
        let (u, i, r): (Int, Int, Float) = (1, 2, 4)
        let before = model.snapshot()
        let mu = Double(before.globalMean)
        let su = adaptive ? 1 / Double(before.userCount[u] + 1).squareRoot() : 1
        let si = adaptive ? 1 / Double(before.itemCount[i] + 1).squareRoot() : 1
        let lam = Double(config.regularization), lb = Double(config.biasRegularization)
        var t = Touched(before, user: u, items: [i])
        let x0 = t.flat
        let base = t
        let loss: ([Double]) -> Double = { v in
            var p = base; p.set(flat: v)
            let e = Double(r) - (mu + p.bu + p.b[0] + dot(p.pu, p.q[0]))
            return 0.5 * e * e + 0.5 * lam * (su * sq(p.pu) + si * sq(p.q[0])) + 0.5 * lb * (su * p.bu * p.bu + si * p.b[0] * p.b[0])
        }
        let grad = numericGradient(x0, loss)
        let predicted = model.update(user: Int32(u), item: Int32(i), value: r)
        #expect(abs(Double(predicted) - (mu + t.bu + t.b[0] + dot(t.pu, t.q[0]))) < 1e-5)
        t = Touched(model.snapshot(), user: u, items: [i])
        let step = t.flat
        for k in x0.indices {
            let expected = x0[k] - Double(config.learningRate) * grad[k]
            #expect(abs(step[k] - expected) < 1e-5, "parameter \(k): \(step[k]) vs \(expected)")
        }
        // The running mean absorbed the rating.
        let after = model.snapshot()
        #expect(after.eventCount == before.eventCount + 1)
        #expect(abs(Double(after.globalMean) - (mu + (Double(r) - mu) / Double(after.eventCount))) < 1e-5)
    }

    @Test("implicit step equals minus learning rate times the gradient of the weighted logistic loss",
          arguments: [false, true])
    func implicitGradient(adaptive: Bool) throws {
        var config = OnlineMFConfiguration.implicitDefaults
        config.factors = 3
        config.learningRate = 0.05
        config.regularization = 0.2
        config.biasRegularization = 0.1
        config.negativeWeight = 0.7
        config.frequencyAdaptive = adaptive
        config.initStd = 0.5
        let model = plantedModel(config, users: 3, items: 6, warmup: 30)
        let u = 2, pos = 1, negs = [0, 3, 5]
        let w = 1.5
        let before = model.snapshot()
        func scale(_ c: Int32) -> Double { adaptive ? 1 / Double(max(c, 1)).squareRoot() : 1 }
        let su = scale(before.userCount[u] + 1)
        let sItems = [scale(before.itemCount[pos] + 1)] + negs.map { scale(before.itemCount[$0]) }
        let lam = Double(config.regularization), lb = Double(config.biasRegularization)
        let wn = Double(config.negativeWeight)
        var t = Touched(before, user: u, items: [pos] + negs)
        let x0 = t.flat
        let base = t
        let loss: ([Double]) -> Double = { v in
            var p = base; p.set(flat: v)
            var l = -w * log(sigmoid(p.bu + p.b[0] + dot(p.pu, p.q[0])))
            for k in 1..<p.q.count { l -= wn * log(1 - sigmoid(p.bu + p.b[k] + dot(p.pu, p.q[k]))) }
            l += 0.5 * lam * su * sq(p.pu) + 0.5 * lb * su * p.bu * p.bu
            for k in p.q.indices { l += 0.5 * lam * sItems[k] * sq(p.q[k]) + 0.5 * lb * sItems[k] * p.b[k] * p.b[k] }
            return l
        }
        let grad = numericGradient(x0, loss)
        let negatives = negs.map(Int32.init)
        let logit = negatives.withUnsafeBufferPointer {
            model.update(user: Int32(u), item: Int32(pos), value: Float(w), negatives: $0)
        }
        #expect(abs(Double(logit) - (t.bu + t.b[0] + dot(t.pu, t.q[0]))) < 1e-5)
        t = Touched(model.snapshot(), user: u, items: [pos] + negs)
        let step = t.flat
        for k in x0.indices {
            let expected = x0[k] - Double(config.learningRate) * grad[k]
            #expect(abs(step[k] - expected) < 1e-5, "parameter \(k): \(step[k]) vs \(expected)")
        }
        // Negatives do not count as events of their items.
        let after = model.snapshot()
        for j in negs { #expect(after.itemCount[j] == before.itemCount[j]) }
        #expect(after.itemCount[pos] == before.itemCount[pos] + 1)
    }

    @Test("same seed and calls give bit-identical state; another seed differs", arguments: [Feedback.explicit, .implicit])
    func determinism(feedback: Feedback) {
        var config = feedback == .explicit ? OnlineMFConfiguration.explicitDefaults : .implicitDefaults
        config.factors = 8
        let a = plantedModel(config, users: 20, items: 30, warmup: 500)
        let b = plantedModel(config, users: 20, items: 30, warmup: 500)
        #expect(a.snapshot() == b.snapshot())
        config.seed = 43
        let c = plantedModel(config, users: 20, items: 30, warmup: 500)
        #expect(a.snapshot() != c.snapshot())
    }

    @Test("restoring a snapshot mid-stream and replaying gives the same state as never stopping")
    func resumeFromSnapshot() throws {
        var config = OnlineMFConfiguration.implicitDefaults
        config.factors = 8
        let a = plantedModel(config, users: 10, items: 15, warmup: 200)
        let b = try OnlineMF(snapshot: a.snapshot())
        for k in 0..<100 {
            let u = Int32(k % 10), i = Int32((k * 7) % 15)
            a.update(user: u, item: i, value: 1)
            b.update(user: u, item: i, value: 1)
        }
        #expect(a.snapshot() == b.snapshot())
    }

    @Test("explicit online learning decreases squared error on a planted low-rank stream")
    func explicitLearns() {
        var config = OnlineMFConfiguration.explicitDefaults
        config.factors = 4
        config.learningRate = 0.02
        config.regularization = 0.01
        let users = 30, items = 40
        var rng = SeededGenerator(seed: 11)
        let pu = (0..<users * 2).map { _ in rng.nextGaussian() }
        let qi = (0..<items * 2).map { _ in rng.nextGaussian() }
        let truth: (Int, Int) -> Float = { u, i in 3 + pu[2 * u] * qi[2 * i] + pu[2 * u + 1] * qi[2 * i + 1] }
        let model = OnlineMF(configuration: config)
        for _ in 0..<users { model.addUser() }
        for _ in 0..<items { model.addItem() }
        func mse() -> Float {
            var s: Float = 0
            for u in 0..<users { for i in 0..<items { let e = model.predict(user: Int32(u), item: Int32(i)) - truth(u, i); s += e * e } }
            return s / Float(users * items)
        }
        model.update(user: 0, item: 0, value: truth(0, 0))
        let start = mse()
        for _ in 0..<30 { for u in 0..<users { for i in 0..<items where (u + i) % 3 != 0 {
            model.update(user: Int32(u), item: Int32(i), value: truth(u, i))
        } } }
        let end = mse()
        #expect(end < start * 0.3, "mse \(start) -> \(end)")
    }

    @Test("scoreAll matches predict for every item")
    func scoreAll() {
        for feedback in [Feedback.explicit, .implicit] {
            var config = feedback == .explicit ? OnlineMFConfiguration.explicitDefaults : .implicitDefaults
            config.factors = 5
            let model = plantedModel(config, users: 4, items: 9, warmup: 50)
            var scores = [Float](repeating: 0, count: 9)
            scores.withUnsafeMutableBufferPointer { model.scoreAll(user: 2, into: $0) }
            for i in 0..<9 { #expect(abs(scores[i] - model.predict(user: 2, item: Int32(i))) < 1e-5) }
        }
    }

    @Test("negative sampling never returns the positive item")
    func negativesExcludePositive() throws {
        var config = OnlineMFConfiguration.implicitDefaults
        config.factors = 2
        config.negativeSamples = 50
        config.regularization = 0
        config.biasRegularization = 0
        let model = plantedModel(config, users: 1, items: 2, warmup: 0)
        // With two items every negative is item 1: item 1's bias only ever goes down.
        for _ in 0..<5 { model.update(user: 0, item: 0, value: 1) }
        #expect(model.itemBias[0] > 0)
        #expect(model.itemBias[1] < 0)
        #expect(model.itemCount[1] == 0)
    }

    @Test("a replayed step with its own negative count moves the positive and that many sampled items, and counts nothing")
    func replayWithMoreNegatives() throws {
        var config = OnlineMFConfiguration.implicitDefaults
        config.factors = 4
        config.negativeSamples = 4
        let model = plantedModel(config, users: 3, items: 1_000, warmup: 300)
        func changedRows(_ a: OnlineMFSnapshot, _ b: OnlineMFSnapshot) -> Int {
            (0..<1_000).filter { i in (0..<4).contains { a.itemFactors[i * 4 + $0] != b.itemFactors[i * 4 + $0] } }.count
        }
        let before = model.snapshot()
        model.replay(user: 1, item: 7, value: 1, negatives: 16)
        let after = model.snapshot()
        // The positive and 16 draws from 999 items (a repeated draw moves its row twice).
        let moved = changedRows(before, after)
        #expect(moved > 5 && moved <= 17, "\(moved) item rows moved")
        #expect(after.itemCount == before.itemCount)
        #expect(after.userCount == before.userCount)
        // With the configured count it is the plain replay, bit for bit.
        let twin = try OnlineMF(snapshot: after)
        model.replay(user: 2, item: 9, value: 1, negatives: 4)
        twin.replay(user: 2, item: 9, value: 1)
        #expect(model.snapshot() == twin.snapshot())
        #expect(changedRows(after, model.snapshot()) <= 5)
    }

    @Test("invalid configuration is rejected by validate and snapshots")
    func invalidConfiguration() throws {
        var config = OnlineMFConfiguration()
        config.learningRate = -1
        #expect(throws: ModelError.self) { try config.validate() }
        var snap = OnlineMF(configuration: .init(factors: 2)).snapshot()
        snap.users = 3
        #expect(throws: ModelError.self) { _ = try OnlineMF(snapshot: snap) }
    }
}
