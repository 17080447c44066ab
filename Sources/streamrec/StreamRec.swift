import ArgumentParser

/// The `streamrec` command: a streaming online recommender daemon and its tools.
@main
struct StreamRec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamrec",
        abstract: "Streaming online recommender: Kafka in, online factors, top-K lists out.",
        subcommands: [ServeCommand.self, DemoCommand.self, ProduceCommand.self, GenerateCommand.self, InspectCommand.self,
                      TrainCommand.self, TrainSessionCommand.self, EvalCommand.self, BenchCommand.self, PlotCommand.self]
    )
}
