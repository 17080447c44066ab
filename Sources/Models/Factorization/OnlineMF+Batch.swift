import Linalg

extension OnlineMF {
    /// A learner sized for `data` (rows for every user and item, counts set to the data's degrees).
    public static func prepared(for data: TrainingData, configuration: OnlineMFConfiguration) -> OnlineMF {
        let model = OnlineMF(configuration: configuration)
        model.reserve(users: data.users, items: data.items)
        for _ in 0..<data.users { model.addUser() }
        for _ in 0..<data.items { model.addItem() }
        for u in 0..<data.users { model.userCount[u] = Int32(data.userDegree(u)) }
        for i in 0..<data.items { model.itemCount[i] = Int32(data.itemDegree(i)) }
        model.eventCount = Int64(data.count)
        if configuration.feedback == .explicit { model.setGlobalMean(data.mean) }
        return model
    }

    /// Batch training by SGD: explicit biased MF (Koren 2009) or implicit logistic MF with sampled
    /// negatives, shuffled epochs and a decaying learning rate. μ is fixed to the training mean and
    /// the frequency-adaptive penalties use the data's degrees. Calls `progress` after each epoch
    /// with the mean loss of the epoch (squared error, or the logistic loss of each positive and its
    /// sampled negatives, measured before each step).
    public static func train(
        _ data: TrainingData, configuration: OnlineMFConfiguration, schedule: SGDSchedule = SGDSchedule(),
        progress: (TrainingProgress) -> Void = { _ in }
    ) -> OnlineMF {
        let model = prepared(for: data, configuration: configuration)
        model.trainEpochs(data, schedule: schedule, progress: progress)
        return model
    }

    /// Runs `schedule.epochs` more SGD epochs over `data` on this learner (rows must already exist).
    public func trainEpochs(_ data: TrainingData, schedule: SGDSchedule, progress: (TrainingProgress) -> Void = { _ in }) {
        precondition(data.users <= users && data.items <= items, "trainEpochs: data larger than the model")
        var order = Array(0..<data.count)
        var shuffler = SeededGenerator(seed: schedule.shuffleSeed)
        let negatives = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, configuration.negativeSamples))
        defer { negatives.deallocate() }
        for epoch in 0..<schedule.epochs {
            let lr = schedule.learningRate(base: configuration.learningRate, epoch: epoch)
            order.shuffle(using: &shuffler)
            var loss = 0.0
            for k in order {
                let u = Int(data.userIndex[k]), i = Int(data.itemIndex[k]), v = data.values[k]
                switch configuration.feedback {
                case .explicit:
                    let p = explicitStep(user: u, item: i, rating: v, updateMean: false, learningRate: lr, countEvent: false)
                    loss += Double((v - p) * (v - p))
                case .implicit:
                    let n = sampleNegatives(excluding: Int32(i), into: negatives)
                    var stepLoss: Float = 0
                    implicitStep(user: u, item: i, weight: v, negatives: UnsafeBufferPointer(start: negatives, count: n),
                                 learningRate: lr, countEvent: false, loss: &stepLoss)
                    loss += Double(stepLoss)
                }
            }
            progress(TrainingProgress(epoch: epoch + 1, epochs: schedule.epochs, loss: loss / Double(max(1, data.count))))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
