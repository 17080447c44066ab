#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Memory of the current process as the kernel counts it (`/proc/self/statm`).
public struct ProcessMemory: Sendable, Equatable {
    /// Resident set size, in bytes.
    public var residentBytes: Int
    /// Virtual memory size, in bytes.
    public var virtualBytes: Int

    /// Reads `/proc/self/statm`; nil where it does not exist (not Linux) or cannot be parsed.
    public static func current() -> ProcessMemory? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        return parse(statm: text, pageSize: Int(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// Parses the `statm` line (`size resident shared text lib data dt`, in pages).
    public static func parse(statm text: String, pageSize: Int) -> ProcessMemory? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let size = Int(fields[0]), let resident = Int(fields[1]), pageSize > 0 else { return nil }
        return ProcessMemory(residentBytes: resident * pageSize, virtualBytes: size * pageSize)
    }
}

extension ProcessMemory {
    /// Peak resident set size (`VmHWM` of `/proc/self/status`), in bytes.
    public static func peakResidentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first
        return kilobytes.map { $0 * 1024 }
    }
}
