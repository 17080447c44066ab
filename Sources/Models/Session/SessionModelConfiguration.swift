#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shape and training settings of the Bi-GRU session model.
///
/// Every field has a documented default; the defaults are the ones used on every data set.
public struct SessionModelConfiguration: Sendable, Codable, Equatable {
    /// Number of items; item ids are `0..<itemCount`.
    public var itemCount: Int
    /// Width of the item embeddings, also the width of the session vector (item-score space). Default 64.
    public var embeddingDimension: Int
    /// Hidden state size H of each GRU direction. Default 64.
    public var hiddenSize: Int
    /// Window W: the number of most recent interactions the encoder reads. Default 20.
    public var windowLength: Int
    /// Number of event types (view, click, cart, purchase, ...). Default 4.
    public var typeCount: Int
    /// Width of the event-type embedding; 0 disables it. Default 8.
    public var typeEmbeddingDimension: Int
    /// Number of time-gap buckets; bucket 0 means "unknown or first in the window". Default 20.
    public var gapBucketCount: Int
    /// Width of the time-gap embedding; 0 disables it. Default 8.
    public var gapEmbeddingDimension: Int
    /// Reads the window forward only (ablation) instead of in both directions. Default false.
    public var forwardOnly: Bool
    /// Steps the backward direction reads, the newest first: its state is the backward GRU's
    /// output at the window's newest position after this many steps. 0 reads the whole window
    /// (the backward GRU's final state). 1 makes the backward state a function of the newest step
    /// alone, so a served window needs no backward re-encode when it grows by a step. Default 0.
    public var backwardSteps: Int
    /// Shares the input and output item embeddings. Default true.
    public var tiedEmbeddings: Bool
    /// Dropout rate on the input embeddings and on the concatenated final states. Default 0.3.
    public var dropout: Float
    /// Adam learning rate. Default 0.001.
    public var learningRate: Float
    /// L2 penalty added to every gradient (decoupled from Adam's scaling is not used). Default 0.
    public var l2: Float
    /// Training examples per batch. Default 256.
    public var batchSize: Int
    /// Maximum number of passes over the training examples. Default 40.
    public var epochs: Int
    /// Epochs without a better validation NDCG@10 before training stops. Default 4.
    public var patience: Int
    /// Training objective. Default `.fullSoftmax`.
    public var loss: SessionLoss
    /// Seed of every random choice (initialisation, shuffling, dropout, negatives). Default 42.
    public var seed: UInt64
    /// Rows of the learned attribute table (item attributes, or the code units of an attribute
    /// autoencoder): an item's input embedding gets its attribute term (see
    /// ``SessionItemFeatures``) added. 0 disables the attribute input. Default 0.
    public var attributeCount: Int

    /// Creates a configuration; every argument but `itemCount` has the documented default.
    public init(
        itemCount: Int,
        embeddingDimension: Int = 64,
        hiddenSize: Int = 64,
        windowLength: Int = 20,
        typeCount: Int = 4,
        typeEmbeddingDimension: Int = 8,
        gapBucketCount: Int = 20,
        gapEmbeddingDimension: Int = 8,
        forwardOnly: Bool = false,
        backwardSteps: Int = 0,
        tiedEmbeddings: Bool = true,
        dropout: Float = 0.3,
        learningRate: Float = 0.001,
        l2: Float = 0,
        batchSize: Int = 256,
        epochs: Int = 40,
        patience: Int = 4,
        loss: SessionLoss = .fullSoftmax,
        seed: UInt64 = 42,
        attributeCount: Int = 0
    ) {
        self.itemCount = itemCount
        self.embeddingDimension = embeddingDimension
        self.hiddenSize = hiddenSize
        self.windowLength = windowLength
        self.typeCount = typeCount
        self.typeEmbeddingDimension = typeEmbeddingDimension
        self.gapBucketCount = gapBucketCount
        self.gapEmbeddingDimension = gapEmbeddingDimension
        self.forwardOnly = forwardOnly
        self.backwardSteps = backwardSteps
        self.tiedEmbeddings = tiedEmbeddings
        self.dropout = dropout
        self.learningRate = learningRate
        self.l2 = l2
        self.batchSize = batchSize
        self.epochs = epochs
        self.patience = patience
        self.loss = loss
        self.seed = seed
        self.attributeCount = attributeCount
    }

    /// Throws a `SessionModelError` describing the first field that is out of range.
    public func validate() throws {
        func fail(_ message: String) -> SessionModelError { SessionModelError(.invalidConfiguration, message) }
        guard itemCount > 0 else { throw fail("itemCount must be positive, got \(itemCount)") }
        guard embeddingDimension > 0 else { throw fail("embeddingDimension must be positive") }
        guard hiddenSize > 0 else { throw fail("hiddenSize must be positive") }
        guard windowLength > 0 else { throw fail("windowLength must be positive") }
        guard typeCount > 0, typeCount <= 256 else { throw fail("typeCount must be in 1...256") }
        guard typeEmbeddingDimension >= 0, gapEmbeddingDimension >= 0 else {
            throw fail("embedding dimensions must not be negative")
        }
        guard backwardSteps >= 0 else { throw fail("backwardSteps must not be negative") }
        guard attributeCount >= 0 else { throw fail("attributeCount must not be negative") }
        guard gapBucketCount >= 2, gapBucketCount <= 256 else { throw fail("gapBucketCount must be in 2...256") }
        guard dropout >= 0, dropout < 1 else { throw fail("dropout must be in [0, 1)") }
        guard learningRate > 0, l2 >= 0 else { throw fail("learningRate must be positive and l2 non-negative") }
        guard batchSize > 0, epochs >= 0, patience >= 0 else { throw fail("batchSize, epochs and patience out of range") }
        switch loss {
        case .fullSoftmax: break
        case .sampledSoftmax(let n), .bpr(let n):
            guard n > 0 else { throw fail("the number of negatives must be positive") }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case itemCount, embeddingDimension, hiddenSize, windowLength, typeCount, typeEmbeddingDimension, gapBucketCount
        case gapEmbeddingDimension, forwardOnly, tiedEmbeddings, dropout, learningRate, l2, batchSize, epochs, patience
        case loss, seed, attributeCount, backwardSteps
    }

    /// Decodes a configuration; `attributeCount` and `backwardSteps` may be absent (snapshots
    /// written before them), meaning 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(itemCount: try c.decode(Int.self, forKey: .itemCount))
        embeddingDimension = try c.decode(Int.self, forKey: .embeddingDimension)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        windowLength = try c.decode(Int.self, forKey: .windowLength)
        typeCount = try c.decode(Int.self, forKey: .typeCount)
        typeEmbeddingDimension = try c.decode(Int.self, forKey: .typeEmbeddingDimension)
        gapBucketCount = try c.decode(Int.self, forKey: .gapBucketCount)
        gapEmbeddingDimension = try c.decode(Int.self, forKey: .gapEmbeddingDimension)
        forwardOnly = try c.decode(Bool.self, forKey: .forwardOnly)
        tiedEmbeddings = try c.decode(Bool.self, forKey: .tiedEmbeddings)
        dropout = try c.decode(Float.self, forKey: .dropout)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        l2 = try c.decode(Float.self, forKey: .l2)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        epochs = try c.decode(Int.self, forKey: .epochs)
        patience = try c.decode(Int.self, forKey: .patience)
        loss = try c.decode(SessionLoss.self, forKey: .loss)
        seed = try c.decode(UInt64.self, forKey: .seed)
        attributeCount = try c.decodeIfPresent(Int.self, forKey: .attributeCount) ?? 0
        backwardSteps = try c.decodeIfPresent(Int.self, forKey: .backwardSteps) ?? 0
    }

    /// Width of one input step: item, type and gap embeddings side by side.
    public var inputDimension: Int { embeddingDimension + typeEmbeddingDimension + gapEmbeddingDimension }

    /// Steps the backward direction reads of a window of `count` valid steps (the newest ones).
    @inlinable
    public func backwardStepCount(of count: Int) -> Int { backwardSteps == 0 ? count : min(count, backwardSteps) }

    /// Width of the concatenated final GRU states (H, or 2H when bidirectional).
    public var stateDimension: Int { forwardOnly ? hiddenSize : 2 * hiddenSize }

    /// Time-gap bucket of a gap in milliseconds: 0 for unknown (nil or negative), else
    /// `1 + floor(log2(1 + seconds))`, capped at `gapBucketCount - 1`.
    @inlinable
    public func gapBucket(milliseconds: Int64?) -> UInt8 {
        guard let ms = milliseconds, ms >= 0 else { return 0 }
        let seconds = Double(ms) / 1000
        let raw = 1 + Int(log2(1 + seconds))
        return UInt8(min(raw, gapBucketCount - 1))
    }
}
