import Testing
@testable import Linalg

@Suite("Top-K selection")
struct TopKTests {
    @Test("matches a full sort on random scores, with exclusions and ties")
    func matchesFullSort() {
        var rng = SeededGenerator(seed: 7)
        var selector = TopKSelector(capacity: 50)
        for trial in 0..<200 {
            let n = 1 + rng.nextInt(below: 500)
            // Coarse values force many ties.
            let scores = (0..<n).map { _ in Float(rng.nextInt(below: 20)) }
            let excluded = Set((0..<n).filter { _ in rng.nextInt(below: 5) == 0 })
            let k = 1 + trial % 50
            let got = scores.withUnsafeBufferPointer { selector.select($0, k: k) { excluded.contains($0) } }
            let expected = (0..<n).filter { !excluded.contains($0) }
                .sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
                .prefix(k)
            #expect(got.map(\.index) == Array(expected), "trial \(trial)")
            #expect(got.map(\.score) == expected.map { scores[$0] })
        }
    }

    @Test("fed in pieces equals one select: block skipping, ties at the floor, NaN and infinities")
    func piecesEqualOneSelect() {
        var rng = SeededGenerator(seed: 11)
        var whole = TopKSelector(capacity: 40)
        var streamed = TopKSelector(capacity: 40)
        for trial in 0..<300 {
            let n = 1 + rng.nextInt(below: 3_000)
            // Mostly coarse values (ties at the heap's floor inside skipped blocks), a few specials.
            let scores: [Float] = (0..<n).map { _ in
                switch rng.nextInt(below: 100) {
                case 0: return .nan
                case 1: return .infinity
                case 2: return -.infinity
                default: return Float(rng.nextInt(below: 1 + trial % 60)) - 10
                }
            }
            let excluded = Set((0..<n).filter { _ in rng.nextInt(below: 7) == 0 })
            let k = 1 + trial % 40
            let expected = scores.withUnsafeBufferPointer { whole.select($0, k: k) { excluded.contains($0) } }
            let reference = (0..<n).filter { !excluded.contains($0) && scores[$0].isFinite }
                .sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
                .prefix(k)
            #expect(expected.map(\.index) == Array(reference), "trial \(trial)")

            streamed.begin(k: k)
            var start = 0
            while start < n {
                let count = min(n - start, 1 + rng.nextInt(below: 700))
                scores.withUnsafeBufferPointer { all in
                    streamed.feed(UnsafeBufferPointer(rebasing: all[start..<(start + count)]), startIndex: start) {
                        excluded.contains($0)
                    }
                }
                start += count
            }
            let got = streamed.finish()
            #expect(got.map(\.index) == expected.map(\.index), "trial \(trial)")
            #expect(got.map(\.score) == expected.map(\.score), "trial \(trial)")
        }
    }

    @Test("K larger than the candidates returns all of them; NaN is skipped")
    func smallInputs() {
        var selector = TopKSelector(capacity: 10)
        let scores: [Float] = [0.5, .nan, 2, -1]
        let got = scores.withUnsafeBufferPointer { selector.select($0, k: 10) }
        #expect(got.map(\.index) == [2, 0, 3])
    }
}

@Suite("BLAS wrappers")
struct BLASTests {
    @Test("gemmABt equals the naive triple loop")
    func gemmMatchesNaive() {
        var rng = SeededGenerator(seed: 3)
        let m = 5, n = 7, k = 4
        let a = (0..<(m * k)).map { _ in rng.nextGaussian() }
        let b = (0..<(n * k)).map { _ in rng.nextGaussian() }
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemmABt(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: k,
                                 c: pc.baseAddress!, ldc: n)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for t in 0..<k { s += a[i * k + t] * b[j * k + t] }
                #expect(abs(s - c[i * n + j]) < 1e-4)
            }
        }
    }

    @Test("FactorMatrix keeps rows when it grows")
    func growKeepsRows() {
        let m = FactorMatrix(cols: 3, capacity: 1)
        for r in 0..<10 { m.appendRow { $0[0] = Float(r); $0[2] = -Float(r) } }
        #expect(m.rows == 10)
        #expect(m.capacity >= 10)
        for r in 0..<10 { #expect(m.row(r)[0] == Float(r) && m.row(r)[2] == -Float(r)) }
    }
}
