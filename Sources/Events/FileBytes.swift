#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file loads through POSIX calls (Events has no Foundation dependency).
enum FileBytes {
    /// Reads the whole file at `path`, or at most `limit` bytes of it.
    static func load(path: String, limit: Int = .max) throws(InteractionFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw InteractionFileError(.unreadable, path: path, message: "cannot open: \(errnoText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw InteractionFileError(.unreadable, path: path, message: "cannot stat: \(errnoText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw InteractionFileError(.unreadable, path: path, message: "not a regular file")
        }
        let size = min(Int(info.st_size), limit)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if failure != 0 {
            throw InteractionFileError(.unreadable, path: path, message: "read failed: \(String(cString: strerror(failure)))")
        }
        return bytes
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
