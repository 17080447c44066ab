import Foundation

/// Builds a snapshot file: named sections of raw bytes behind a checked header.
///
/// Layout (all little-endian):
/// `magic "SRSNAP\0\0"` (8 bytes) · `version: UInt32` · `payloadLength: UInt64` · `crc32(payload): UInt32`
/// · payload. The payload is `sectionCount: UInt32` then, per section,
/// `nameLength: UInt16` · UTF-8 name · `length: UInt64` · bytes.
/// Any model can add its own sections; names are unique.
public struct SnapshotWriter: Sendable {
    /// The eight magic bytes that open every snapshot.
    public static let magic: [UInt8] = Array("SRSNAP".utf8) + [0, 0]
    /// The format version this writer emits.
    public static let formatVersion: UInt32 = 1
    /// Header size in bytes.
    public static let headerSize = 8 + 4 + 8 + 4

    private var sections: [(name: String, bytes: [UInt8])] = []

    /// Creates an empty snapshot.
    public init() {}

    /// Names of the sections added so far, in order.
    public var sectionNames: [String] { sections.map(\.name) }

    /// Adds (or replaces) a section holding `bytes`.
    public mutating func addSection(_ name: String, bytes: [UInt8]) {
        precondition(name.utf8.count <= Int(UInt16.max), "section name too long")
        if let k = sections.firstIndex(where: { $0.name == name }) {
            sections[k].bytes = bytes
        } else {
            sections.append((name, bytes))
        }
    }

    /// Adds a section whose bytes `build` writes.
    public mutating func addSection(_ name: String, _ build: (inout ByteWriter) throws -> Void) rethrows {
        var w = ByteWriter()
        try build(&w)
        addSection(name, bytes: w.bytes)
    }

    /// The complete file contents.
    public func encoded() -> [UInt8] {
        var payload = ByteWriter()
        payload.append(UInt32(sections.count))
        for s in sections {
            let name = Array(s.name.utf8)
            payload.append(UInt16(name.count))
            payload.append(bytes: name)
            payload.append(UInt64(s.bytes.count))
            payload.append(bytes: s.bytes)
        }
        var out = ByteWriter()
        out.append(bytes: Self.magic)
        out.append(Self.formatVersion)
        out.append(UInt64(payload.bytes.count))
        out.append(CRC32.checksum(payload.bytes))
        out.append(bytes: payload.bytes)
        return out.bytes
    }

    /// Writes the file atomically (temporary file, then rename).
    public func write(toPath path: String) throws {
        do {
            try Data(encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SnapshotError(.io, "cannot write \(path): \(error)")
        }
    }
}
