import Foundation

/// A file under the temporary directory holding `contents`, removed by `remove()`.
struct TempFile {
    let path: String

    init(_ name: String, _ contents: String) throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("events-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent(name).path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
}

/// `../../../shared/datasets` relative to this source file, when it exists.
func datasetsDirectory(filePath: String = #filePath) -> String? {
    let url = URL(fileURLWithPath: filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/datasets")
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue ? url.path : nil
}
