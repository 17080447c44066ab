import Events
import Foundation
import Kafka
import Logging

/// Produces events into the demo's input topic at a steady rate: generated ones (stamped with the
/// wall clock, with a share of malformed messages mixed in to show the dead-letter path), or the
/// events of a file in order (their own timestamps kept) until the file ends.
final class DemoFeeder: @unchecked Sendable {
    private let producer: KafkaProducer
    private let topic: String
    private var generator: EventGenerator
    /// The file's events, when replaying one (nil: generated events).
    private let replay: [Event]?
    private let rate: Int
    private let badFraction: Double
    private let lock = NSLock()
    private var stopped = false
    private(set) var sent = 0
    private var done = false

    init(bootstrapServers: String, topic: String, generator configuration: GeneratorConfiguration,
         replay: [Event]? = nil, rate: Int, badFraction: Double, logger: Logger) throws {
        // lz4 keeps the mock partitions under their 5 MiB log limit for longer (they trim older batches).
        producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrapServers, "linger.ms": "5",
                                                  "compression.codec": "lz4"])
        self.topic = topic
        self.generator = EventGenerator(configuration: configuration)
        self.replay = replay
        self.rate = rate
        self.badFraction = badFraction
    }

    func stop() { lock.lock(); stopped = true; lock.unlock() }
    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
    /// Whether a replayed file has been sent to its end (and flushed).
    var finished: Bool { lock.lock(); defer { lock.unlock() }; return done }

    /// Sends until stopped, pacing in 10 ms slices.
    func run() {
        let start = Date()
        var buffer: [UInt8] = []
        var badCounter = 0.0
        let badSamples: [String] = [
            "not json at all", #"{"user":"","item":"i1"}"#, #"{"user":"u1"}"#,
            #"{"user":"u1","item":"i1","type":"rating","value":99}"#, #"{"user":1,"item":"i1"}"#,
            #"{"user":"u1","item":"i1","type":"teleport"}"#,
        ]
        var badIndex = 0
        while !isStopped {
            if let replay, sent >= replay.count { break }
            let due = Int(Date().timeIntervalSince(start) * Double(rate))
            if sent >= due {
                producer.poll(timeoutMs: 0)
                Thread.sleep(forTimeInterval: 0.002)
                continue
            }
            for _ in 0..<min(due - sent, 5_000) {
                if let replay {
                    guard sent < replay.count else { break }
                    buffer.removeAll(keepingCapacity: true)
                    EventEncoder.append(replay[sent], to: &buffer)
                    try? producer.produce(topic: topic, key: Array(replay[sent].user.utf8), value: buffer)
                    sent += 1
                    continue
                }
                badCounter += badFraction
                if badCounter >= 1 {
                    badCounter -= 1
                    let bad = badSamples[badIndex % badSamples.count]
                    badIndex += 1
                    try? producer.produce(topic: topic, key: Array("bad".utf8), value: Array(bad.utf8))
                } else {
                    var event = generator.next()
                    event.timestampMs = Int64(Date().timeIntervalSince1970 * 1000)
                    buffer.removeAll(keepingCapacity: true)
                    EventEncoder.append(event, to: &buffer)
                    try? producer.produce(topic: topic, key: Array(event.user.utf8), value: buffer)
                }
                sent += 1
            }
            producer.poll(timeoutMs: 0)
        }
        _ = producer.flush(timeoutMs: 5_000)
        lock.lock(); done = true; lock.unlock()
    }
}
