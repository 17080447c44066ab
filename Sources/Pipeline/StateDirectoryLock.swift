import Foundation

/// An exclusive lock on a state directory (`flock` on `DIR/LOCK`), held for the life of the
/// object, so two processes never write checkpoints into the same directory.
public final class StateDirectoryLock: @unchecked Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock or throws `PipelineError` naming the holder's pid when another process
    /// holds it. The directory is created when missing.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/LOCK"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError("cannot open the state directory lock \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw PipelineError("state directory \(directory) is in use by another process"
                + (holder.isEmpty ? "" : " (pid \(holder))") + "; stop it or give this instance its own state.dir")
        }
        _ = ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        descriptor = fd
    }

    deinit {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
