import ArgumentParser
import Events
import Foundation
import Kafka

/// `streamrec produce`: sends a file of events to a topic in timestamp order.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send a file of interaction events to a Kafka topic, in timestamp order.",
        discussion: """
        Reads MovieLens ratings.dat (user::item::rating::ts), u.data (tab-separated), CSV with a header \
        (userId/user, itemId/movieId/item, rating/value, timestamp/ts), JSON lines in the event schema, \
        or one-line-per-user sequences; the format is detected unless --format is given. Each event is \
        sent as schema-v1 JSON with the user id as key, at --rate events/s or as fast as possible.
        """
    )

    @Option(name: .shortAndLong, help: "The event file.")
    var input: String
    @Option(help: "File format: \(InteractionFileFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: detected).")
    var format: String?
    @Option(help: "Kafka bootstrap servers.")
    var bootstrapServers: String = "localhost:9092"
    @Option(help: "Target topic.")
    var topic: String = "streamrec.events"
    @Option(help: "Events per second (0: as fast as possible).")
    var rate: Int = 0
    @Option(help: "Send at most this many events (0: all).")
    var limit: Int = 0
    @Option(name: .customLong("property"), help: "Extra librdkafka property KEY=VALUE (repeatable).")
    var properties: [String] = []

    func validate() throws {
        guard rate >= 0 else { throw ValidationError("--rate must be zero or positive") }
        if let format, InteractionFileFormat(rawValue: format) == nil {
            throw ValidationError("unknown --format '\(format)'; expected one of \(InteractionFileFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for p in properties where !p.contains("=") {
            throw ValidationError("--property expects KEY=VALUE, got '\(p)'")
        }
    }

    func run() throws {
        var events = try InteractionFileReader.read(path: input, format: format.flatMap(InteractionFileFormat.init(rawValue:)))
        if limit > 0 && events.count > limit { events.removeLast(events.count - limit) }
        var props = ["bootstrap.servers": bootstrapServers, "linger.ms": "5", "enable.idempotence": "true", "acks": "all"]
        for p in properties {
            let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
            props[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        let producer = try KafkaProducer(properties: props)
        let stop = StopSignal()
        stop.install {}
        let bar = ProgressBar("produce", total: events.count)
        let start = Date()
        var buffer: [UInt8] = []
        var sent = 0
        for event in events {
            if stop.triggered { break }
            if rate > 0 {
                let due = Date(timeInterval: Double(sent) / Double(rate), since: start)
                let wait = due.timeIntervalSinceNow
                if wait > 0 { producer.poll(timeoutMs: Int32(min(wait * 1000, 100))); if wait > 0.001 { Thread.sleep(forTimeInterval: wait) } }
            }
            buffer.removeAll(keepingCapacity: true)
            EventEncoder.append(event, to: &buffer)
            try producer.produce(topic: topic, key: Array(event.user.utf8), value: buffer)
            sent += 1
            if sent % 1024 == 0 { producer.poll(timeoutMs: 0); bar.update(sent) }
        }
        bar.update(sent)
        bar.finish()
        stop.cancel()
        guard producer.flush(timeoutMs: 30_000) else {
            throw ValidationError("the producer could not deliver \(producer.outstandingCount) event(s) within 30 s")
        }
        let seconds = Date().timeIntervalSince(start)
        printError(String(format: "sent %d events to %@ in %.2f s (%.0f events/s); %d delivery failure(s)",
                          sent, topic, seconds, Double(sent) / max(seconds, 1e-6), producer.failedCount))
        if producer.failedCount > 0 { throw ExitCode(1) }
    }
}
