#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Models

/// Durable checkpoints in one directory: `checkpoint-<applied events>.srck`, written to a temporary
/// file, fsynced, renamed into place, and the directory fsynced, so a crash leaves either the old
/// set or the new one. The newest `keep` files are kept.
public struct CheckpointStore: Sendable {
    /// Directory holding the checkpoints.
    public let directory: String
    /// How many checkpoints are kept.
    public let keep: Int

    static let prefix = "checkpoint-"
    static let suffix = ".srck"

    /// Creates the directory if needed.
    public init(directory: String, keep: Int = 3) throws {
        self.directory = directory
        self.keep = max(1, keep)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SnapshotError(.io, "cannot create state directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Checkpoint files, newest first.
    public func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix(Self.prefix) && $0.hasSuffix(Self.suffix) }
            .sorted { sequence(of: $0) > sequence(of: $1) }
            .map { directory + "/" + $0 }
    }

    private func sequence(of name: String) -> UInt64 {
        UInt64(name.dropFirst(Self.prefix.count).dropLast(Self.suffix.count)) ?? 0
    }

    /// Writes `bytes` as the checkpoint numbered `sequence` and prunes old ones; returns its path.
    @discardableResult
    public func write(_ bytes: [UInt8], sequence: Int64) throws -> String {
        let name = Self.prefix + String(format: "%020lld", sequence) + Self.suffix
        let path = directory + "/" + name
        let temporary = directory + "/.tmp-" + name
        try Self.writeDurably(bytes, to: temporary)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SnapshotError(.io, "cannot rename \(temporary) to \(path): \(reason)")
        }
        try Self.syncDirectory(directory)
        for old in files().dropFirst(keep) { unlink(old) }
        return path
    }

    /// The newest checkpoint that verifies (nil when none does), and every newer file that did
    /// not verify, with the reason (corrupt or truncated files are skipped, not fatal).
    public func loadNewest() -> (loaded: (reader: SnapshotReader, path: String)?, skipped: [(String, Error)]) {
        var skipped: [(String, Error)] = []
        for path in files() {
            do {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw SnapshotError(.io, "cannot read \(path)")
                }
                return ((try SnapshotReader(bytes: [UInt8](data)), path), skipped)
            } catch {
                skipped.append((path, error))
            }
        }
        return (nil, skipped)
    }

    static func writeDurably(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SnapshotError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SnapshotError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
                }
                written += n
            }
        }
        guard fsync(fd) == 0 else { throw SnapshotError(.io, "fsync \(path): \(String(cString: strerror(errno)))") }
    }

    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SnapshotError(.io, "cannot open \(directory): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SnapshotError(.io, "fsync \(directory): \(String(cString: strerror(errno)))") }
    }
}
