import Daemon
import Engine
import Events
import Foundation
import Histogram
import Kafka
import Logging
import Pipeline

/// Measurements through librdkafka's mock cluster: the real pipeline fed by a separate
/// producer, lists read back by a separate consumer.
enum BenchEndToEnd {
    /// A mock cluster with the three topics and a pipeline on it (manual assignment: no group
    /// join in the measurement).
    struct Rig {
        // Declared before the cluster: members go in declaration order, and the pipeline's
        // clients must be gone before the mock cluster is.
        let pipeline: StreamPipeline
        let cluster: MockCluster
        let input = "bench.events", output = "bench.lists", dlq = "bench.dlq"
        let partitions: Int32

        init(partitions: Int32, engine: EngineConfiguration, refreshIntervalMs: Int64,
             kafkaProperties: [String: String] = [:], logger: Logger) throws {
            self.partitions = partitions
            cluster = try MockCluster(brokerCount: 1)
            try cluster.createTopic(input, partitions: partitions)
            try cluster.createTopic(output, partitions: partitions)
            try cluster.createTopic(dlq, partitions: 1)
            var configuration = PipelineConfiguration()
            configuration.bootstrapServers = cluster.bootstrapServers
            configuration.groupId = "bench"
            configuration.inputTopic = input
            configuration.outputTopic = output
            configuration.deadLetterTopic = dlq
            configuration.useConsumerGroup = false
            configuration.refreshIntervalMs = refreshIntervalMs
            configuration.stateDirectory = nil
            configuration.kafkaProperties = kafkaProperties
            pipeline = try StreamPipeline(configuration: configuration, engine: engine, logger: logger)
        }

        func producer(lingerMs: Int) throws -> KafkaProducer {
            try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": String(lingerMs),
                                           "queue.buffering.max.messages": "1000000", "batch.num.messages": "10000"])
        }

        /// Runs the pipeline on its own thread; the returned closure stops it and waits. Neither
        /// the thread nor the closure keeps the pipeline: the rig alone holds it, so its Kafka
        /// clients go with the rig, before the mock cluster (otherwise they outlive it and log
        /// failed reconnections to it).
        func start() -> @Sendable () -> Void {
            let done = DispatchSemaphore(value: 0)
            let thread = Thread { [weak pipeline] in
                if let running = pipeline {
                    do { try running.run() } catch { benchLog("pipeline failed: \(error)") }
                }
                done.signal()
            }
            thread.name = "bench-pipeline"
            thread.start()
            return { [weak pipeline] in
                pipeline?.stop()
                done.wait()
            }
        }
    }

    /// Produces `events` as fast as the producer takes them; events/s and lists/s from the
    /// first to the last applied event.
    static func throughput(_ events: [Event], engine: EngineConfiguration, kafkaProperties: [String: String] = [:],
                           lingerMs: Int = 5, progress: Bool, logger: Logger) throws -> (eventsPerSecond: Double, listsPerSecond: Double) {
        // 16 partitions: the mock keeps only a few MB per partition log and drops older message sets,
        // which a consumer far behind a full-speed producer would otherwise lose.
        let rig = try Rig(partitions: 16, engine: engine, refreshIntervalMs: 100, kafkaProperties: kafkaProperties,
                          logger: logger)
        let encoded = events.map { (Array($0.user.utf8), EventEncoder.json($0)) }
        let stop = rig.start()
        defer { stop(); withExtendedLifetime(rig) {} }
        let producer = try rig.producer(lingerMs: lingerMs)
        let feeder = Thread {
            for (key, value) in encoded { try? producer.produce(topic: rig.input, key: key, value: value) }
            producer.flush(timeoutMs: 60_000)
        }
        feeder.start()
        var first: ContinuousClock.Instant?
        var firstLists: Int64 = 0
        let deadline = ContinuousClock.now + .seconds(300)
        var stats = rig.pipeline.statsSnapshot()
        var lastReport = ContinuousClock.now
        while stats.applied < Int64(events.count) && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.002)
            stats = rig.pipeline.statsSnapshot()
            if first == nil && stats.applied > 0 { first = .now; firstLists = stats.listsPublished }
            if progress && secondsSince(lastReport) >= 1 {
                lastReport = .now
                benchLog("  applied \(stats.applied), lists \(stats.listsPublished), lag \(stats.lag), paused \(stats.paused), feeder delivered \(producer.deliveredCount), outstanding \(producer.outstandingCount), failed \(producer.failedCount)")
            }
        }
        let seconds = first.map(secondsSince) ?? .infinity
        let applied = Double(stats.applied)
        return (applied / seconds, Double(stats.listsPublished - firstLists) / seconds)
    }

    /// Event-to-list latency at a fixed rate: each event's `ts` and Kafka timestamp are the
    /// wall clock at send; a separate consumer notes when each list record arrives; a list's
    /// latency is arrival minus the send time of the event it is based on (`based_on`).
    /// The event producer batches for `lingerMs` (included in the latency): the mock broker finds
    /// a fetch offset by walking the partition's message sets one by one, so one set per event
    /// makes every fetch slower as the log grows, which a real broker's offset index does not.
    /// Returns the histogram in microseconds (after `warmupSeconds`).
    static func latency(generator: GeneratorConfiguration, rate: Int, seconds: Double, warmupSeconds: Double,
                        engine: EngineConfiguration, refreshIntervalMs: Int64, lingerMs: Int,
                        kafkaProperties: [String: String] = [:], stages: Bool = false,
                        logger: Logger) throws -> Histogram<UInt64> {
        // The mock broker holds an empty fetch for the whole fetch.wait.max.ms (500 ms by default)
        // instead of answering when data arrives, so keep it short here.
        let rig = try Rig(partitions: 4, engine: engine, refreshIntervalMs: refreshIntervalMs,
                          kafkaProperties: ["fetch.wait.max.ms": "5"].merging(kafkaProperties) { $1 }, logger: logger)
        // Stage probes (only with `stages`): when each list was made (its generated_at) and
        // when the pipeline handed it to the producer.
        let refreshed = ArrivalLog()
        let handedOver = ArrivalLog()
        if stages {
            rig.pipeline.onPublish = { list in
                let key = TopicPartitionKey(partition: list.basedOn.partition, offset: list.basedOn.offset)
                handedOver.add(key, Int64(Date().timeIntervalSince1970 * 1_000_000))
                refreshed.add(key, list.generatedAtMs * 1000)
            }
        }
        let stop = rig.start()
        defer { stop(); withExtendedLifetime(rig) {} }
        let reader = try KafkaConsumer(properties: ["bootstrap.servers": rig.cluster.bootstrapServers, "group.id": "bench-reader",
                                                    "fetch.wait.max.ms": "5"])
        defer { reader.close() }
        try reader.assign((0..<rig.partitions).map { TopicPartitionOffset(topic: rig.output, partition: $0, offset: -1) })
        Thread.sleep(forTimeInterval: 1)  // assignment and first fetches on both sides

        let arrivals = ArrivalLog()
        let reading = ReaderFlag()
        let readerThread = Thread {
            while reading.on {
                _ = reader.poll(timeoutMs: 5, maxMessages: 10_000) { message in
                    let micros = Int64(Date().timeIntervalSince1970 * 1_000_000)
                    if let source = basedOn(message.payload) { arrivals.add(source, micros) }
                }
            }
        }
        readerThread.start()

        let producer = try rig.producer(lingerMs: lingerMs)
        // Generated before the clock starts: the generator's cost is not the pipeline's.
        var source = EventGenerator(configuration: generator)
        let total = Int(Double(rate) * seconds)
        let events = source.generate(count: total)
        let start = ContinuousClock.now
        var sent = 0
        while sent < total {
            let due = min(total, Int(secondsSince(start) * Double(rate)))
            while sent < due {
                var event = events[sent]
                event.timestampMs = Int64(Date().timeIntervalSince1970 * 1000)
                try producer.produce(topic: rig.input, key: Array(event.user.utf8), value: EventEncoder.json(event))
                sent += 1
            }
            producer.poll(timeoutMs: 0)
            Thread.sleep(forTimeInterval: 0.0005)
        }
        producer.flush(timeoutMs: 10_000)
        let measuredFrom = Int64((Date().timeIntervalSince1970 - seconds + warmupSeconds) * 1_000_000)
        Thread.sleep(forTimeInterval: 0.5)
        reading.on = false
        while !readerThread.isFinished { Thread.sleep(forTimeInterval: 0.01) }

        // Send times of the input records (their Kafka timestamps), read back after the run.
        var sendTimes: [TopicPartitionKey: Int64] = [:]
        let input = try KafkaConsumer(properties: ["bootstrap.servers": rig.cluster.bootstrapServers, "group.id": "bench-input"])
        defer { input.close() }
        try input.assign((0..<rig.partitions).map { TopicPartitionOffset(topic: rig.input, partition: $0, offset: -2) })
        var idle = 0
        while sendTimes.count < sent && idle < 40 {
            let n = input.poll(timeoutMs: 50, maxMessages: 50_000) { message in
                sendTimes[TopicPartitionKey(partition: message.partition, offset: message.offset)] = message.timestampMs
            }
            idle = n == 0 ? idle + 1 : 0
        }

        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        for (key, arrivedMicros) in arrivals.all where arrivedMicros >= measuredFrom {
            guard let sentMs = sendTimes[key] else { continue }
            histogram.record(UInt64(max(0, arrivedMicros - sentMs * 1000)))
        }
        if stages {
            reportStages(sendTimes: sendTimes, refreshed: refreshed.all, handedOver: handedOver.all,
                         arrivals: arrivals.all, measuredFrom: measuredFrom)
        }
        return histogram
    }

    /// Prints p50/p99 of each stage of the lists measured: send -> refresh (ms clock of
    /// `generated_at`), refresh -> handed to the producer, handed over -> arrival at the reader.
    private static func reportStages(sendTimes: [TopicPartitionKey: Int64], refreshed: [TopicPartitionKey: Int64],
                                     handedOver: [TopicPartitionKey: Int64], arrivals: [TopicPartitionKey: Int64],
                                     measuredFrom: Int64) {
        func histogram() -> Histogram<UInt64> {
            Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        }
        var toRefresh = histogram(), toProducer = histogram(), toReader = histogram()
        for (key, arrived) in arrivals where arrived >= measuredFrom {
            guard let sentMs = sendTimes[key], let made = refreshed[key], let handed = handedOver[key] else { continue }
            toRefresh.record(UInt64(max(0, made - sentMs * 1000)))
            toProducer.record(UInt64(max(0, handed - made)))
            toReader.record(UInt64(max(0, arrived - handed)))
        }
        for (name, h) in [("send -> refresh", toRefresh), ("refresh -> producer", toProducer), ("producer -> reader", toReader)] {
            benchLog(String(format: "  stage %@: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms (%llu lists)", name as NSString,
                            Double(h.valueAtPercentile(50)) / 1000, Double(h.valueAtPercentile(90)) / 1000,
                            Double(h.valueAtPercentile(99)) / 1000, h.totalCount))
        }
    }

    /// `based_on` partition and offset of a list record, read without a JSON parser.
    static func basedOn(_ payload: UnsafeRawBufferPointer) -> TopicPartitionKey? {
        let marker = Array(#""based_on":{"partition":"#.utf8)
        guard payload.count > marker.count else { return nil }
        var i = payload.count - marker.count
        while i >= 0 {
            if payload[i] == marker[0] && payload[i..<(i + marker.count)].elementsEqual(marker) { break }
            i -= 1
        }
        guard i >= 0 else { return nil }
        var j = i + marker.count
        func number() -> Int64? {
            var value: Int64 = 0
            var digits = 0
            var negative = false
            if j < payload.count && payload[j] == UInt8(ascii: "-") { negative = true; j += 1 }
            while j < payload.count, payload[j] >= 48, payload[j] <= 57 {
                value = value * 10 + Int64(payload[j] - 48)
                j += 1
                digits += 1
            }
            return digits > 0 ? (negative ? -value : value) : nil
        }
        guard let partition = number() else { return nil }
        let offsetMarker = Array(#","offset":"#.utf8)
        guard j + offsetMarker.count <= payload.count, payload[j..<(j + offsetMarker.count)].elementsEqual(offsetMarker) else { return nil }
        j += offsetMarker.count
        guard let offset = number() else { return nil }
        return TopicPartitionKey(partition: Int32(partition), offset: offset)
    }

    /// An input position.
    struct TopicPartitionKey: Hashable, Sendable {
        let partition: Int32
        let offset: Int64
    }

    /// Arrival times of list records, keyed by the input position they are based on (first arrival kept).
    final class ArrivalLog: @unchecked Sendable {
        private let lock = NSLock()
        private var arrivals: [TopicPartitionKey: Int64] = [:]
        func add(_ key: TopicPartitionKey, _ micros: Int64) {
            lock.lock(); if arrivals[key] == nil { arrivals[key] = micros }; lock.unlock()
        }
        var all: [TopicPartitionKey: Int64] { lock.lock(); defer { lock.unlock() }; return arrivals }
    }

    /// A flag shared with the reader thread.
    final class ReaderFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = true
        var on: Bool {
            get { lock.lock(); defer { lock.unlock() }; return value }
            set { lock.lock(); value = newValue; lock.unlock() }
        }
    }
}
