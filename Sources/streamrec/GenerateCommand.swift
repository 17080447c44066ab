import ArgumentParser
import Events
import Foundation

/// `streamrec generate`: synthetic events as JSON lines.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write synthetic interaction events as JSON lines (schema v1).",
        discussion: """
        The generator plants structure a model can find: users and items with low-rank latent tastes, \
        popularity skew, and sequential habits (item-to-item transitions). The same --seed gives the same file.
        """
    )

    @Option(help: "Number of events.")
    var count: Int = 100_000
    @Option(help: "Synthetic users.")
    var users: Int = 2_000
    @Option(help: "Synthetic items.")
    var items: Int = 1_000
    @Option(help: "Rank of the planted tastes.")
    var rank: Int = 8
    @Option(help: "Probability that a user's next item follows the planted habit.")
    var habitProbability: Double = 0.35
    @Option(help: "Share of events that are ratings (1–5).")
    var ratingFraction: Double = 0
    @Option(help: "Random seed.")
    var seed: UInt64 = 42
    @Option(name: .shortAndLong, help: "Output file (default: standard output).")
    var output: String?

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be zero or positive") }
        guard users > 0, items > 1, rank > 0 else { throw ValidationError("--users, --items (≥ 2) and --rank must be positive") }
        guard (0...1).contains(habitProbability), (0...1).contains(ratingFraction) else {
            throw ValidationError("--habit-probability and --rating-fraction must be within 0...1")
        }
    }

    func run() throws {
        var config = GeneratorConfiguration(users: users, items: items, seed: seed)
        config.rank = rank
        config.habitProbability = habitProbability
        config.ratingFraction = ratingFraction
        var generator = EventGenerator(configuration: config)
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil) else {
                throw ValidationError("cannot create \(output)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        } else {
            handle = .standardOutput
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        for _ in 0..<count {
            EventEncoder.append(generator.next(), to: &buffer)
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 {
                handle.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer))
        if output != nil { try handle.close() }
    }
}
