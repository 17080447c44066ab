import Foundation

extension BiGRUSessionModel {
    /// First bytes of every serialized session model.
    public static let serializationMagic: [UInt8] = Array("SRSESSN1".utf8)
    /// Newest format version: `serialize()` writes version 1 for a model without attributes (as
    /// before they existed) and this one for a model with them; `init(serialized:)` reads both.
    public static let serializationVersion: UInt32 = 2

    /// The model as bytes: magic, format version, configuration (JSON, sorted keys), weight count,
    /// weights (little-endian Float32), in version 2 the item features (entry count as UInt64,
    /// `itemCount + 1` UInt32 row offsets, UInt32 columns, Float32 values), then an FNV-1a 64
    /// checksum of everything before it.
    public func serialize() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a plain Codable struct of numbers and enums cannot fail.
        let json = (try? encoder.encode(configuration)) ?? Data()
        var out: [UInt8] = []
        out.reserveCapacity(Self.serializationMagic.count + 24 + json.count + 4 * parameterCount)
        let withFeatures = configuration.attributeCount > 0
        out += Self.serializationMagic
        out.appendLittleEndian(withFeatures ? Self.serializationVersion : UInt32(1))
        out.appendLittleEndian(UInt32(json.count))
        out += json
        out.appendLittleEndian(UInt64(parameterCount))
        for i in 0..<parameterCount { out.appendLittleEndian(parameters[i].bitPattern) }
        if withFeatures {
            let f = itemFeatures
            out.appendLittleEndian(UInt64(f.entryCount))
            for o in f.offsets { out.appendLittleEndian(UInt32(o)) }
            for c in f.columns { out.appendLittleEndian(UInt32(c)) }
            for v in f.values { out.appendLittleEndian(v.bitPattern) }
        }
        out.appendLittleEndian(Self.fnv1a(out[...]))
        return out
    }

    /// Reads bytes written by `serialize()`; throws a `SessionModelError` naming what is wrong
    /// (magic, version, truncation, checksum, configuration or size mismatch).
    public convenience init(serialized bytes: [UInt8]) throws {
        var reader = SessionByteReader(bytes: bytes)
        let magic = try reader.take(Self.serializationMagic.count)
        guard Array(magic) == Self.serializationMagic else {
            throw SessionModelError(.badMagic, "not a session model: the bytes do not start with 'SRSESSN1'")
        }
        let version: UInt32 = try reader.read()
        guard version == 1 || version == Self.serializationVersion else {
            throw SessionModelError(.unsupportedVersion,
                                    "session model format version \(version); this build reads versions 1 to \(Self.serializationVersion)")
        }
        guard bytes.count >= 8 + Self.serializationMagic.count + 4 else {
            throw SessionModelError(.truncated, "session model bytes end early")
        }
        let stored = bytes.suffix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let jsonLength: UInt32 = try reader.read()
        let json = try reader.take(Int(jsonLength))
        let configuration: SessionModelConfiguration
        do {
            configuration = try JSONDecoder().decode(SessionModelConfiguration.self, from: Data(json))
            try configuration.validate()
        } catch let error as SessionModelError {
            throw SessionModelError(.corrupt, "stored configuration is invalid: \(error.message)")
        } catch {
            throw SessionModelError(.corrupt, "stored configuration cannot be decoded: \(error)")
        }
        let count: UInt64 = try reader.read()
        let layout = SessionParameterLayout(configuration)
        guard count == UInt64(layout.total) else {
            throw SessionModelError(.corrupt, "stored \(count) weights; the configuration needs \(layout.total)")
        }
        let weightBytes = try reader.take(Int(count) * 4)
        var features: SessionItemFeatures?
        if version >= 2 {
            let entries: UInt64 = try reader.read()
            guard entries <= UInt64(bytes.count) else { throw SessionModelError(.corrupt, "item features: \(entries) entries") }
            var offsets = [Int32](), columns = [Int32](), values = [Float]()
            offsets.reserveCapacity(configuration.itemCount + 1)
            for _ in 0...configuration.itemCount { offsets.append(Int32(truncatingIfNeeded: try reader.read() as UInt32)) }
            for _ in 0..<entries { columns.append(Int32(truncatingIfNeeded: try reader.read() as UInt32)) }
            for _ in 0..<entries { values.append(Float(bitPattern: try reader.read() as UInt32)) }
            let f = SessionItemFeatures(unchecked: configuration.itemCount, featureCount: configuration.attributeCount,
                                        offsets: offsets, columns: columns, values: values)
            try f.validate()
            features = f
        } else if configuration.attributeCount > 0 {
            throw SessionModelError(.corrupt, "a version 1 session model cannot have attributes")
        }
        let checksumStart = reader.offset
        _ = try reader.take(8)
        guard reader.offset == bytes.count else {
            throw SessionModelError(.corrupt, "\(bytes.count - reader.offset) unexpected bytes after the checksum")
        }
        guard Self.fnv1a(bytes[..<checksumStart]) == stored else {
            throw SessionModelError(.corrupt, "checksum mismatch: the session model bytes are damaged")
        }
        self.init(validated: configuration, features: features)
        var i = 0
        var p = weightBytes.startIndex
        while i < layout.total {
            let bits = UInt32(weightBytes[p]) | UInt32(weightBytes[p + 1]) << 8
                | UInt32(weightBytes[p + 2]) << 16 | UInt32(weightBytes[p + 3]) << 24
            parameters[i] = Float(bitPattern: bits)
            i += 1
            p += 4
        }
    }

    /// 64-bit FNV-1a hash.
    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}

/// Sequential little-endian reader that throws `.truncated` instead of reading past the end.
private struct SessionByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, offset + n <= bytes.count else {
            throw SessionModelError(.truncated, "session model bytes end early (needed \(n) bytes at offset \(offset))")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func read<T: FixedWidthInteger>() throws -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value: T = 0
        for (i, b) in slice.enumerated() { value |= T(b) << (8 * i) }
        return value
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
