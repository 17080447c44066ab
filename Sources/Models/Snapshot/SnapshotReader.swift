import Foundation

/// Parses and verifies a file made by ``SnapshotWriter``: magic, version, length, CRC32, sections.
public struct SnapshotReader: Sendable {
    /// Format version found in the header.
    public let version: UInt32
    private let sections: [String: [UInt8]]
    /// Section names in file order.
    public let sectionNames: [String]

    /// Parses `bytes`; throws ``SnapshotError`` for a bad magic, a newer version, truncation or a checksum mismatch.
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= SnapshotWriter.headerSize else {
            if bytes.count >= 8, Array(bytes[0..<8]) != SnapshotWriter.magic {
                throw SnapshotError(.badMagic, "not a snapshot file")
            }
            throw SnapshotError(.truncated, "file is \(bytes.count) bytes, shorter than the \(SnapshotWriter.headerSize)-byte header")
        }
        var header = ByteReader(Array(bytes[0..<SnapshotWriter.headerSize]), context: "header")
        let magic = try header.readBytes(8)
        guard magic == SnapshotWriter.magic else { throw SnapshotError(.badMagic, "not a snapshot file") }
        version = try header.read(UInt32.self)
        guard version >= 1, version <= SnapshotWriter.formatVersion else {
            throw SnapshotError(.unsupportedVersion, "format version \(version), this build reads up to \(SnapshotWriter.formatVersion)")
        }
        let length = try header.read(UInt64.self)
        let crc = try header.read(UInt32.self)
        let available = UInt64(bytes.count - SnapshotWriter.headerSize)
        guard length <= available else {
            throw SnapshotError(.truncated, "payload declares \(length) bytes, file holds \(available)")
        }
        guard length == available else {
            throw SnapshotError(.malformed, "\(available - length) unexpected bytes after the payload")
        }
        let payload = Array(bytes[SnapshotWriter.headerSize...])
        let actual = CRC32.checksum(payload)
        guard actual == crc else {
            throw SnapshotError(.checksumMismatch, "payload CRC32 is \(String(actual, radix: 16)), header says \(String(crc, radix: 16))")
        }
        var r = ByteReader(payload, context: "payload")
        let count = try r.read(UInt32.self)
        var map: [String: [UInt8]] = [:]
        var names: [String] = []
        for _ in 0..<count {
            let nameLength = Int(try r.read(UInt16.self))
            guard let name = String(validating: try r.readBytes(nameLength), as: UTF8.self) else {
                throw SnapshotError(.malformed, "section name is not UTF-8")
            }
            let size = try r.read(UInt64.self)
            guard size <= UInt64(r.remaining) else {
                throw SnapshotError(.truncated, "section \(name) declares \(size) bytes, \(r.remaining) left")
            }
            guard map[name] == nil else { throw SnapshotError(.malformed, "duplicate section \(name)") }
            map[name] = try r.readBytes(Int(size))
            names.append(name)
        }
        sections = map
        sectionNames = names
    }

    /// Reads and parses the file at `path`.
    public init(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SnapshotError(.io, "cannot read \(path): \(error)")
        }
        try self.init(bytes: [UInt8](data))
    }

    /// Whether a section exists.
    public func contains(_ name: String) -> Bool { sections[name] != nil }

    /// The raw bytes of a section; throws `missingSection` when absent.
    public func section(_ name: String) throws -> [UInt8] {
        guard let s = sections[name] else { throw SnapshotError(.missingSection, "no section named \(name)") }
        return s
    }

    /// A ``ByteReader`` over a section.
    public func reader(for name: String) throws -> ByteReader {
        ByteReader(try section(name), context: name)
    }
}
