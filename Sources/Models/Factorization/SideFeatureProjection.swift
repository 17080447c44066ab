/// Maps an item's side information to a point in the item-factor space: the mean of its
/// attributes' learned vectors plus a learned linear map of its embedding, and a bias made the
/// same way. Fitted online, one SGD step at a time, toward the factors and biases the MF learner
/// gave items that have interactions, so that items with side information but no interactions
/// can be scored like the items they resemble (a linear content-to-factor map, as in
/// attribute-to-feature mapping for cold-start MF, Gantner et al. 2010).
///
/// Loss per item: `½|v̂ − q|² + ½(b̂ − b)² + ½λ(|A_a|² + |W|²)` over the attributes `a` it carries.
/// Storage is contiguous Float arrays (attribute rows × factors, embedding width × factors);
/// `predict` and `learn` allocate nothing. Not thread-safe: one owner calls it.
public final class SideFeatureProjection {
    /// Width of the factor space.
    public let factors: Int
    /// Floats of an item embedding (0: attributes only).
    public let embeddingWidth: Int
    /// SGD step size.
    public var learningRate: Float
    /// L2 penalty of the projection's parameters.
    public var regularization: Float
    /// Attribute vectors, `attributeCount × factors`, then one bias per attribute.
    @exclusivity(unchecked) private(set) var attributeVectors: [Float] = []
    @exclusivity(unchecked) private(set) var attributeBias: [Float] = []
    /// Embedding map, `embeddingWidth × factors`, and one bias weight per embedding float.
    @exclusivity(unchecked) private(set) var embeddingMap: [Float]
    @exclusivity(unchecked) private(set) var embeddingBias: [Float]
    /// Items each attribute was fitted on (steps taken).
    @exclusivity(unchecked) public private(set) var attributeSteps: [Int32] = []
    /// Steps taken in all.
    public private(set) var steps: Int64 = 0
    private let error: UnsafeMutablePointer<Float>

    /// A projection with no attributes yet and a zero embedding map.
    public init(factors: Int, embeddingWidth: Int, learningRate: Float = 0.05, regularization: Float = 0.001) {
        precondition(factors > 0, "SideFeatureProjection needs at least one factor")
        self.factors = factors
        self.embeddingWidth = max(0, embeddingWidth)
        self.learningRate = learningRate
        self.regularization = regularization
        embeddingMap = [Float](repeating: 0, count: self.embeddingWidth * factors)
        embeddingBias = [Float](repeating: 0, count: self.embeddingWidth)
        error = .allocate(capacity: factors)
        error.initialize(repeating: 0, count: factors)
    }

    deinit { error.deallocate() }

    /// Attributes known.
    public var attributeCount: Int { attributeBias.count }

    /// Adds an attribute with a zero vector; returns its index.
    public func addAttribute() -> Int32 {
        attributeVectors.append(contentsOf: repeatElement(0, count: factors))
        attributeBias.append(0)
        attributeSteps.append(0)
        return Int32(attributeBias.count - 1)
    }

    /// Writes the projected vector of an item with `attributes` (indices from `addAttribute`) and
    /// `embedding` (empty or `embeddingWidth` floats) to `out` (`factors` floats): the mean of its
    /// fitted attributes' vectors plus the embedding map's image; returns the projected bias.
    @discardableResult
    public func predict(attributes: [Int32], embedding: [Float], into out: UnsafeMutablePointer<Float>) -> Float {
        let d = factors
        out.initialize(repeating: 0, count: d)
        var bias: Float = 0
        // Attributes never fitted (steps 0) hold nothing yet: they are left out of the mean, so
        // a new item's own id-like attribute does not halve what its shared ones say.
        var fitted = 0
        for a in attributes where attributeSteps[Int(a)] > 0 { fitted += 1 }
        if fitted > 0 {
            let scale = 1 / Float(fitted)
            attributeVectors.withUnsafeBufferPointer { table in
                for a in attributes where attributeSteps[Int(a)] > 0 {
                    let row = table.baseAddress! + Int(a) * d
                    for k in 0..<d { out[k] += scale * row[k] }
                    bias += scale * attributeBias[Int(a)]
                }
            }
        }
        if embedding.count == embeddingWidth && embeddingWidth > 0 {
            embeddingMap.withUnsafeBufferPointer { map in
                for j in 0..<embeddingWidth where embedding[j] != 0 {
                    let x = embedding[j]
                    let row = map.baseAddress! + j * d
                    for k in 0..<d { out[k] += x * row[k] }
                    bias += x * embeddingBias[j]
                }
            }
        }
        return bias
    }

    /// One SGD step toward an item's learned vector `target` (`factors` floats) and bias;
    /// returns the squared error before the step.
    @discardableResult
    public func learn(attributes: [Int32], embedding: [Float], target: UnsafePointer<Float>, targetBias: Float) -> Float {
        let d = factors
        let e = error
        let predictedBias = predict(attributes: attributes, embedding: embedding, into: e)
        var squared: Float = 0
        for k in 0..<d {
            e[k] -= target[k]
            squared += e[k] * e[k]
        }
        let eb = predictedBias - targetBias
        squared += eb * eb
        let lr = learningRate, reg = regularization
        if !attributes.isEmpty {
            let scale = 1 / Float(attributes.count)
            attributeVectors.withUnsafeMutableBufferPointer { table in
                for a in attributes {
                    let row = table.baseAddress! + Int(a) * d
                    for k in 0..<d { row[k] -= lr * (scale * e[k] + reg * row[k]) }
                }
            }
            for a in attributes {
                attributeBias[Int(a)] -= lr * (scale * eb + reg * attributeBias[Int(a)])
                attributeSteps[Int(a)] &+= 1
            }
        }
        if embedding.count == embeddingWidth && embeddingWidth > 0 {
            embeddingMap.withUnsafeMutableBufferPointer { map in
                for j in 0..<embeddingWidth where embedding[j] != 0 {
                    let x = embedding[j]
                    let row = map.baseAddress! + j * d
                    for k in 0..<d { row[k] -= lr * (x * e[k] + reg * row[k]) }
                }
            }
            for j in 0..<embeddingWidth where embedding[j] != 0 {
                embeddingBias[j] -= lr * (embedding[j] * eb + reg * embeddingBias[j])
            }
        }
        steps &+= 1
        return squared
    }
}
