import Models

/// The row of the session encoder's attribute table an attribute name goes to: FNV-1a (64 bits)
/// of its UTF-8 bytes modulo the table's rows. The same on every instance and after every
/// restart (Swift's own `hashValue` is seeded per process); distinct names may share a row.
public enum SessionAttributeBucket {
    /// The bucket of `name` among `buckets` rows (`buckets` > 0).
    public static func of(_ name: String, buckets: Int) -> Int32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int32(hash % UInt64(buckets))
    }

    /// The encoder's attribute input over `buckets` rows: row `i` averages the buckets of the
    /// names `attributes[i]` (names sharing a bucket count once; an empty list gives no term).
    public static func features(_ attributes: [[String]], buckets: Int) throws -> SessionItemFeatures {
        try SessionItemFeatures(featureCount: buckets, attributes: attributes.map { $0.map { of($0, buckets: buckets) } })
    }
}
