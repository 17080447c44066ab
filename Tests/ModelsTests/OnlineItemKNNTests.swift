import Linalg
import Testing
@testable import Models

@Suite("Online item kNN rating predictor")
struct OnlineItemKNNTests {
    @Test("baseline means are the shrunk running means, and with no rated neighbour the prediction is the baseline")
    func baseline() {
        let knn = OnlineItemKNN(neighbours: 5, shrinkage: 0, itemBiasShrinkage: 1, userBiasShrinkage: 1)
        for _ in 0..<2 { knn.addUser(); knn.addItem() }
        knn.update(user: 0, item: 0, value: 4)
        // μ = 4; b_0 = (4 − 4)/(1 + 1) = 0; b_u0 = 0.
        #expect(knn.globalMean == 4)
        knn.update(user: 1, item: 1, value: 2)
        // μ = 3; b_1 = (2 − 3)/2 = −0.5; b_u1 = (2 − 3 + 0.5)/2 = −0.25.
        #expect(abs(knn.itemBias(1) + 0.5) < 1e-6)
        #expect(abs(knn.userBias(1) + 0.25) < 1e-6)
        // User 1 has rated item 1 only, which never shares a rater with item 0: baseline.
        #expect(abs(knn.predict(user: 1, item: 0) - knn.baseline(user: 1, item: 0)) < 1e-6)
        #expect(abs(knn.coldItemPrediction(user: 1) - (3 - 0.25)) < 1e-6)
    }

    @Test("similarity is the residual Pearson correlation over co-raters, shrunk by n/(n+shrink)")
    func similarity() {
        let knn = OnlineItemKNN(neighbours: 5, shrinkage: 2, itemBiasShrinkage: 1e9, userBiasShrinkage: 1e9)
        for _ in 0..<3 { knn.addUser() }
        for _ in 0..<2 { knn.addItem() }
        // Huge shrinkage keeps biases ≈ 0, so residuals are r − μ at the time of each pair update.
        let ratings: [(Int32, Float, Float)] = [(0, 5, 4), (1, 1, 2), (2, 3, 3)]
        var sxy: Float = 0, sxx: Float = 0, syy: Float = 0
        for (u, a, b) in ratings {
            knn.update(user: u, item: 0, value: a)
            knn.update(user: u, item: 1, value: b)
            let mu = knn.globalMean
            let za = a - mu, zb = b - mu
            sxy += za * zb; sxx += zb * zb; syy += za * za
        }
        let expected = sxy / (sxx * syy).squareRoot() * (3 / (3 + 2))
        #expect(abs(knn.similarity(0, 1) - expected) < 1e-4)
        #expect(abs(knn.similarity(1, 0) - expected) < 1e-4)
        #expect(knn.similarity(0, 1) > 0)
    }

    @Test("on ratings driven by item groups, test-then-train error falls below the baseline-only error")
    func learnsNeighbourhoods() {
        var rng = SeededGenerator(seed: 3)
        let users = 200, items = 40
        let knn = OnlineItemKNN(neighbours: 10, shrinkage: 10, itemBiasShrinkage: 5, userBiasShrinkage: 5)
        for _ in 0..<users { knn.addUser() }
        for _ in 0..<items { knn.addItem() }
        // Each user loves one half of the catalog (5) and dislikes the other (1).
        var knnError: Float = 0, baseError: Float = 0, counted = 0
        for step in 0..<(users * 15) {
            let u = step % users
            let item = rng.nextInt(below: items)
            let value: Float = (item < items / 2) == (u % 2 == 0) ? 5 : 1
            let base = knn.baseline(user: u, item: item)
            let p = knn.update(user: Int32(u), item: Int32(item), value: value)
            if step >= users * 5 {
                knnError += (p - value) * (p - value); baseError += (base - value) * (base - value); counted += 1
            }
        }
        let knnRMSE = (knnError / Float(counted)).squareRoot(), baseRMSE = (baseError / Float(counted)).squareRoot()
        #expect(knnRMSE < baseRMSE * 0.6, "knn \(knnRMSE) vs baseline \(baseRMSE)")
    }
}
