import Events
import Foundation
import Kafka

/// Accepts events over HTTP for apps without a Kafka client: validates every line with the
/// same decoder the pipeline uses, then produces the original bytes to the input topic keyed
/// by user, so they flow through the same path as everything else.
public final class EventIntake: Sendable {
    /// The input topic events are produced to.
    public let topic: String
    private let producer: KafkaProducer
    private let decoder: EventDecoder
    private let maxOutstanding: Int

    /// Creates an intake with its own producer (`properties` are librdkafka producer settings).
    public init(topic: String, producerProperties: [String: String], limits: EventLimits,
                maxOutstanding: Int) throws {
        self.topic = topic
        self.decoder = EventDecoder(limits: limits)
        self.maxOutstanding = maxOutstanding
        self.producer = try KafkaProducer(properties: producerProperties)
    }

    /// Validates a body of one event, or several separated by newlines (JSON lines), and
    /// produces them all; returns how many. Nothing is produced when any line is refused.
    public func accept(_ body: [UInt8]) throws(APIError) -> Int {
        var lines: [Range<Int>] = []
        var start = 0
        for i in 0...body.count where i == body.count || body[i] == 0x0A {
            var range = start..<i
            while let last = range.last, body[last] == 0x0D || body[last] == 0x20 || body[last] == 0x09 {
                range = range.lowerBound..<last
            }
            while let first = range.first, body[first] == 0x20 || body[first] == 0x09 {
                range = (first + 1)..<range.upperBound
            }
            if !range.isEmpty { lines.append(range) }
            start = i + 1
        }
        guard !lines.isEmpty else { throw APIError(.badRequest, "the body holds no event") }

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var users: [String] = []
        users.reserveCapacity(lines.count)
        let refusal: APIError? = body.withUnsafeBytes { raw in
            for (n, range) in lines.enumerated() {
                let slice = UnsafeRawBufferPointer(rebasing: raw[range])
                do throws(EventDecodingError) {
                    users.append(try decoder.decode(slice, fallbackTimestampMs: now).user)
                } catch {
                    let prefix = lines.count > 1 ? "line \(n + 1): " : ""
                    return APIError(.invalidEvent, "\(prefix)\(error.reason): \(error.description)")
                }
            }
            return nil
        }
        if let refusal { throw refusal }
        guard producer.outstandingCount + lines.count <= maxOutstanding else {
            producer.poll(timeoutMs: 0)
            throw APIError(.unavailable, "the producer queue is full (\(producer.outstandingCount) messages); retry later")
        }
        do {
            try body.withUnsafeBytes { raw in
                for (range, user) in zip(lines, users) {
                    var key = user
                    try key.withUTF8 { keyBytes in
                        try producer.produce(topic: topic, key: UnsafeRawBufferPointer(keyBytes),
                                             value: UnsafeRawBufferPointer(rebasing: raw[range]))
                    }
                }
            }
        } catch {
            throw APIError(.unavailable, "could not produce to \(topic): \(error)")
        }
        producer.poll(timeoutMs: 0)
        return lines.count
    }

    /// Messages accepted but not yet acknowledged by the broker.
    public var outstanding: Int { producer.outstandingCount }

    /// Serves delivery reports (call now and then).
    public func poll() { producer.poll(timeoutMs: 0) }

    /// Waits up to `timeoutMs` for accepted events to reach the broker; returns whether all did.
    @discardableResult
    public func flush(timeoutMs: Int32) -> Bool { producer.flush(timeoutMs: timeoutMs) }
}
