import ArgumentParser
import Engine
import Foundation
import Models

/// `streamrec inspect`: what the newest valid checkpoint holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what the newest valid checkpoint in a state directory holds.",
        discussion: """
        Verifies the checkpoints newest first (checksum, format version, sections) and reports the \
        first that verifies: events applied, input offsets, users, items, and a digest of the model \
        state that two runs can compare. Unusable newer files are listed on stderr.
        """
    )

    @Option(help: "State directory of the daemon (state.dir).")
    var stateDir: String

    @Flag(help: #"Print one JSON object: {"applied_events":N,"offsets":{"topic/partition":offset},"users":N,"items":N,"checksum":"..."}."#)
    var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: stateDir) else {
            throw ValidationError("state directory \(stateDir) does not exist")
        }
        let store = try CheckpointStore(directory: stateDir)
        let (loaded, skipped) = store.loadNewest()
        for (path, error) in skipped { printError("skipped \(path): \(error)") }
        guard let loaded else {
            throw ValidationError(skipped.isEmpty ? "no checkpoint in \(stateDir)" : "no checkpoint in \(stateDir) verifies")
        }
        let (_, info) = try RecommenderCore.restore(from: loaded.reader, configuration: EngineConfiguration())
        if json {
            let offsets = Dictionary(uniqueKeysWithValues: info.offsets.map { ($0.key.description, $0.value) })
            let object: [String: Any] = [
                "applied_events": info.appliedEvents, "offsets": offsets, "users": info.users,
                "items": info.items, "checksum": info.checksum, "path": loaded.path,
                "written_at": info.writtenAtMs,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("checkpoint   \(loaded.path)")
            print("written at   \(Date(timeIntervalSince1970: Double(info.writtenAtMs) / 1000))")
            print("applied      \(info.appliedEvents) events")
            print("users/items  \(info.users) / \(info.items)")
            for (key, offset) in info.offsets.sorted(by: { $0.key < $1.key }) { print("offset       \(key) → \(offset)") }
            print("checksum     \(info.checksum)")
        }
    }
}
