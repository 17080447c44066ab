/// The Java client's key-to-partition mapping, for predicting where a keyed message lands.
public enum KafkaPartitioner {
    /// The partition Kafka's Java client (and librdkafka's `murmur2_random`, the producer
    /// default here) picks for a non-empty `key` among `partitionCount` partitions:
    /// `toPositive(murmur2(key)) % partitionCount`. Returns -1 when `partitionCount` < 1.
    public static func murmur2(_ key: some Collection<UInt8>, partitionCount: Int32) -> Int32 {
        guard partitionCount >= 1 else { return -1 }
        let hash = key.withContiguousStorageIfAvailable { murmur2Hash(UnsafeRawBufferPointer($0)) }
            ?? Array(key).withUnsafeBytes { murmur2Hash($0) }
        return Int32(bitPattern: hash & 0x7fff_ffff) % partitionCount
    }

    /// Kafka's 32-bit murmur2 hash (seed 0x9747b28c), as `Utils.murmur2` in the Java client.
    static func murmur2Hash(_ data: UnsafeRawBufferPointer) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let length = data.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let words = length / 4
        for index in 0..<words {
            let i = index * 4
            var k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = words * 4
        switch length & 3 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 1:
            h ^= UInt32(data[tail])
            h &*= m
        default:
            break
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }
}
