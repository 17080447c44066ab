import Linalg
import Testing
@testable import Models

@Suite("Baselines")
struct BaselineTests {
    private func small() throws -> TrainingData {
        // users: 0 {0,1}, 1 {0,1,2}, 2 {2,3}
        try TrainingData(users: 3, items: 4, userIndex: [0, 0, 1, 1, 1, 2, 2], itemIndex: [0, 1, 0, 1, 2, 2, 3],
                         values: [5, 4, 4, 5, 2, 3, 1])
    }

    private func scores(_ f: (UnsafeMutableBufferPointer<Float>) -> Void, items: Int) -> [Float] {
        var s = [Float](repeating: 0, count: items)
        s.withUnsafeMutableBufferPointer { f($0) }
        return s
    }

    @Test("popularity counts events per item")
    func popularity() throws {
        let p = Popularity(try small())
        #expect(p.counts == [2, 2, 2, 1])
        #expect(Popularity(try small(), weighted: true).counts == [9, 9, 5, 1])
    }

    @Test("item kNN: hand-computed binary cosines with shrinkage")
    func itemKNN() throws {
        let m = NeighborhoodModel(try small(), kind: .item, neighbours: 10, shrinkage: 0)
        // cos(0,1) = 2/(√2·√2) = 1; cos(0,2) = 1/(√2·√2) = 0.5; cos(2,3) = 1/(√2·1) ≈ 0.7071.
        let s = scores({ m.scoreAll(user: 2, into: $0) }, items: 4)
        // User 2 has items 2 and 3: item 0 gets cos(2,0)=0.5, item 1 gets cos(2,1)=0.5.
        #expect(abs(s[0] - 0.5) < 1e-6)
        #expect(abs(s[1] - 0.5) < 1e-6)
        #expect(abs(s[2] - 0.70710677) < 1e-6)   // from item 3
        let shrunk = NeighborhoodModel(try small(), kind: .item, neighbours: 10, shrinkage: 1)
        let t = scores({ shrunk.scoreAll(user: 2, into: $0) }, items: 4)
        #expect(abs(t[0] - 0.25) < 1e-6)          // 0.5 · 1/(1+1)
    }

    @Test("user kNN scores sum neighbour similarities over their items")
    func userKNN() throws {
        let m = NeighborhoodModel(try small(), kind: .user, neighbours: 10, shrinkage: 0)
        let s = scores({ m.scoreAll(user: 0, into: $0) }, items: 4)
        // cos(u0,u1) = 2/(√2·√3); u2 shares nothing with u0.
        let c = Float(2 / (2.0.squareRoot() * 3.0.squareRoot()))
        #expect(abs(s[2] - c) < 1e-6)
        #expect(s[3] == 0)
    }

    @Test("truncated SVD of an exactly rank-2 matrix reproduces its rows")
    func svdExact() throws {
        var u: [Int32] = [], i: [Int32] = [], v: [Float] = []
        let a: [[Float]] = [[1, 0, 1, 0, 1], [0, 1, 0, 1, 0], [1, 0, 1, 0, 1], [1, 1, 1, 1, 1]]
        for r in 0..<4 { for c in 0..<5 where a[r][c] != 0 { u.append(Int32(r)); i.append(Int32(c)); v.append(a[r][c]) } }
        let data = try TrainingData(users: 4, items: 5, userIndex: u, itemIndex: i, values: v)
        let svd = TruncatedSVD(data, rank: 2, oversampling: 3)
        for r in 0..<4 {
            let s = scores({ svd.scoreAll(user: Int32(r), into: $0) }, items: 5)
            for c in 0..<5 { #expect(abs(s[c] - a[r][c]) < 1e-4, "(\(r),\(c))") }
        }
        #expect(svd.singularValues[0] >= svd.singularValues[1])
    }

    @Test("symmetric eigen-decomposition of a known matrix")
    func eigen() {
        let (values, vectors) = SymmetricEigen.decompose([2, 1, 1, 2], n: 2)
        #expect(abs(values[0] - 3) < 1e-12)
        #expect(abs(values[1] - 1) < 1e-12)
        #expect(abs(abs(vectors[0]) - 0.5.squareRoot()) < 1e-9)
    }

    @Test("NMF keeps factors non-negative")
    func nmfNonNegative() throws {
        for mode in [NMF.Mode.observed, .full] {
            let m = NMF(try small(), mode: mode, factors: 2, iterations: 30)
            #expect(m.userFactors.toArray().allSatisfy { $0 >= 0 })
            #expect(m.itemFactors.toArray().allSatisfy { $0 >= 0 })
        }
    }
}

@Suite("Neural CF")
struct BaselineNeuralCFTests {
    @Test("NeuMF and MLP lower their loss and score consistently", arguments: [NeuralCFConfiguration.Variant.mlp, .neumf])
    func learns(variant: NeuralCFConfiguration.Variant) throws {
        var rng = SeededGenerator(seed: 8)
        var u: [Int32] = [], i: [Int32] = []
        for user in 0..<30 { for _ in 0..<8 { u.append(Int32(user)); i.append(Int32((user % 2) * 10 + rng.nextInt(below: 10))) } }
        let data = try TrainingData(users: 30, items: 20, userIndex: u, itemIndex: i, values: [Float](repeating: 1, count: u.count))
        var losses: [Double] = []
        let config = NeuralCFConfiguration(variant: variant, gmfFactors: 4, layers: [8, 8, 4], learningRate: 0.01, epochs: 8, batchSize: 32)
        let model = try NeuralCF(data, configuration: config) { losses.append($0.loss) }
        #expect(losses.count == 8)
        #expect(losses.last! < losses.first! * 0.9, "\(losses)")
        var s = [Float](repeating: 0, count: 20)
        s.withUnsafeMutableBufferPointer { model.scoreAll(user: 3, into: $0) }
        for j in [0, 7, 19] { #expect(abs(s[j] - model.predict(user: 3, item: Int32(j))) < 1e-4) }
        // User 3 is odd: items 10..<20 should outscore items 0..<10 on average.
        #expect(s[10..<20].reduce(0, +) > s[0..<10].reduce(0, +))
        #expect(throws: ModelError.self) { _ = try NeuralCF(data, configuration: NeuralCFConfiguration(layers: [7, 3])) }
    }
}
