import Models

/// User records of one partition, ready for the changelog, in two flat buffers: each record's
/// key (the user id's UTF-8 bytes) and value (`prefix`, then the user's `PartitionUserState`
/// binary form), written without an allocation per user.
public struct UserRecordBatch: Sendable {
    /// The bytes every value starts with.
    public let prefix: [UInt8]
    /// The users' ids, in record order.
    public private(set) var ids: [String] = []
    private var keys = ByteWriter()
    private var keyEnds: [Int] = []
    private var values = ByteWriter()
    private var valueEnds: [Int] = []

    /// An empty batch whose values start with `prefix`.
    public init(prefix: [UInt8]) {
        self.prefix = prefix
    }

    /// Number of records.
    public var count: Int { ids.count }

    /// True when the batch holds no record.
    public var isEmpty: Bool { ids.isEmpty }

    /// Bytes of all keys and values together.
    public var byteCount: Int { keys.count + values.count }

    /// Adds the record of user `id`: `prefix`, then what `body` writes.
    public mutating func add(id: String, writing body: (inout ByteWriter) -> Void) {
        ids.append(id)
        keys.append(utf8: id)
        keyEnds.append(keys.count)
        values.append(bytes: prefix)
        body(&values)
        valueEnds.append(values.count)
    }

    /// Record `k`'s value (a copy; for inspection and tests).
    public func value(at k: Int) -> [UInt8] {
        values.withUnsafeBytes { Array($0[(k == 0 ? 0 : valueEnds[k - 1])..<valueEnds[k]]) }
    }

    /// Calls `body` with a function that gives record `k`'s key and value in place (valid
    /// during `body`).
    public func withRecords<R>(_ body: ((Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)) throws -> R) rethrows -> R {
        try keys.withUnsafeBytes { keyBytes in
            try values.withUnsafeBytes { valueBytes in
                try body { k in
                    let key = UnsafeRawBufferPointer(rebasing: keyBytes[(k == 0 ? 0 : keyEnds[k - 1])..<keyEnds[k]])
                    let value = UnsafeRawBufferPointer(rebasing: valueBytes[(k == 0 ? 0 : valueEnds[k - 1])..<valueEnds[k]])
                    return (key, value)
                }
            }
        }
    }
}
