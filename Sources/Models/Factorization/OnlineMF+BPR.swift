import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension OnlineMF {
    /// Bayesian personalised ranking (Rendle et al. 2009): for each observed (u, i) and a sampled
    /// unobserved j, one SGD step on `−log σ(b_i − b_j + p_u·(q_i − q_j))` plus L2. Uses the
    /// configuration's learning rate, penalties and seed; scores are comparable with ``predict(user:item:)``.
    public static func trainBPR(
        _ data: TrainingData, configuration: OnlineMFConfiguration, schedule: SGDSchedule = SGDSchedule(),
        progress: (TrainingProgress) -> Void = { _ in }
    ) -> OnlineMF {
        var config = configuration
        config.feedback = .implicit
        let model = prepared(for: data, configuration: config)
        let seen = SeenItems(data)
        var order = Array(0..<data.count)
        var shuffler = SeededGenerator(seed: schedule.shuffleSeed)
        for epoch in 0..<schedule.epochs {
            let lr = schedule.learningRate(base: config.learningRate, epoch: epoch)
            order.shuffle(using: &shuffler)
            var loss = 0.0
            for k in order {
                let u = Int(data.userIndex[k]), i = Int(data.itemIndex[k])
                var j = model.rng.nextInt(below: data.items)
                var tries = 0
                while seen.contains(user: u, item: Int32(j)) && tries < 10 {
                    j = model.rng.nextInt(below: data.items)
                    tries += 1
                }
                loss += Double(model.bprStep(user: u, positive: i, negative: j, learningRate: lr))
            }
            progress(TrainingProgress(epoch: epoch + 1, epochs: schedule.epochs, loss: loss / Double(max(1, data.count))))
        }
        return model
    }

    /// One BPR step; returns the loss `−log σ(x_uij)` before it.
    @discardableResult
    func bprStep(user u: Int, positive i: Int, negative j: Int, learningRate lr: Float) -> Float {
        let d = configuration.factors
        let pu = userFactors.row(u), qi = itemFactors.row(i), qj = itemFactors.row(j)
        let x = itemBias[i] - itemBias[j] + VectorOps.dot(d, pu, qi) - VectorOps.dot(d, pu, qj)
        let g = Self.sigmoid(-x)
        itemRowChanges?.mark(i)
        itemRowChanges?.mark(j)
        let su = penaltyScale(userCount[u]), si = penaltyScale(itemCount[i]), sj = penaltyScale(max(1, itemCount[j]))
        let reg = configuration.regularization, lb = configuration.biasRegularization
        for k in 0..<d {
            let p = pu[k], a = qi[k], b = qj[k]
            pu[k] = p + lr * (g * (a - b) - reg * su * p)
            qi[k] = a + lr * (g * p - reg * si * a)
            qj[k] = b + lr * (-g * p - reg * sj * b)
        }
        if configuration.useBiases {
            itemBias[i] += lr * (g - lb * si * itemBias[i])
            itemBias[j] += lr * (-g - lb * sj * itemBias[j])
        }
        return -logf(max(Self.sigmoid(x), 1e-12))
    }
}
