@testable import Engine
import Linalg
import Testing

@Suite("Score moments: sums kept up to date")
struct ScoreMomentsTests {
    /// Mean and inverse standard deviation of `bias[i] + q · M[i]` over the first `n` rows, in double precision.
    func direct(_ q: [Float], _ matrix: [Float], stride: Int, width: Int, bias: [Float], n: Int) -> (Double, Double) {
        var sum = 0.0, square = 0.0
        for i in 0..<n {
            var s = Double(bias[i])
            for j in 0..<width { s += Double(q[j]) * Double(matrix[i * stride + j]) }
            sum += s
            square += s * s
        }
        let mean = sum / Double(n)
        return (mean, 1 / (square / Double(n) - mean * mean).squareRoot())
    }

    @Test("rows appended to the sums give the moments of all rows, as a rebuild does")
    func appendEqualsRebuild() throws {
        let width = 8, stride = 11, n = 50, first = 30
        var rng = SeededGenerator(seed: 5)
        let matrix = (0..<(n * stride)).map { _ in rng.nextGaussian() }
        let bias = (0..<n).map { _ in rng.nextGaussian() * 0.3 }
        let queries = (0..<(3 * width)).map { _ in rng.nextGaussian() }
        var rebuilt = ScoreMoments(width: width), appended = ScoreMoments(width: width)
        matrix.withUnsafeBufferPointer { m in
            bias.withUnsafeBufferPointer { b in
                rebuilt.rebuild(matrix: m.baseAddress!, stride: stride, bias: b.baseAddress!, count: n)
                appended.rebuild(matrix: m.baseAddress!, stride: stride, bias: b.baseAddress!, count: first)
                appended.append(matrix: m.baseAddress! + first * stride, stride: stride, bias: b.baseAddress! + first,
                                count: n - first)
            }
        }
        #expect(appended.count == n)
        var scratch = [Float](repeating: 0, count: 3 * width)
        var a = [(mean: Float, inverseStd: Float)](repeating: (0, 0), count: 3)
        var r = a
        queries.withUnsafeBufferPointer { q in
            scratch.withUnsafeMutableBufferPointer { t in
                appended.moments(queries: q.baseAddress!, stride: width, count: 3, scratch: t.baseAddress!, into: &a)
                rebuilt.moments(queries: q.baseAddress!, stride: width, count: 3, scratch: t.baseAddress!, into: &r)
            }
        }
        for k in 0..<3 {
            let (mean, inverse) = direct(Array(queries[(k * width)..<((k + 1) * width)]), matrix, stride: stride, width: width,
                                         bias: bias, n: n)
            #expect(abs(Double(a[k].mean) - mean) <= 1e-4 * max(1, abs(mean)), "query \(k): \(a[k].mean) against \(mean)")
            #expect(abs(Double(a[k].inverseStd) - inverse) <= 1e-3 * inverse, "query \(k): \(a[k].inverseStd) against \(inverse)")
            #expect(abs(a[k].mean - r[k].mean) <= 1e-4 * max(1, abs(r[k].mean)))
        }
    }
}
