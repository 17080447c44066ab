import Engine
import Events
import Foundation
import Kafka

/// The item topic (`kafka.items_topic`): read from the start to its end before any event is
/// applied (readiness waits for it), then followed between input polls. Each record goes to
/// the engine's catalog; a bad one goes to the dead-letter topic with its reason, as a bad
/// event does (`streamrec.source` = `<items topic>/<partition>/<offset>`). A record with an empty
/// value (a tombstone) forgets what the topic said of its key's item.
extension StreamPipeline {
    /// Most item records applied per loop iteration while following.
    static let itemPollBatch = 1_000

    /// Connects to the item topic and reads it to its end. A missing topic is reported with a
    /// warning and nothing is followed (creating it waits for a controller, which some clusters,
    /// such as the mock, never answer).
    func catchUpItems() throws {
        guard let topic = configuration.itemsTopic else { return }
        lock.lock()
        stats.itemsCatchingUp = true
        lock.unlock()
        defer {
            lock.lock()
            stats.itemsCatchingUp = false
            lock.unlock()
        }
        let follower = try ItemTopicFollower(topic: topic, bootstrapServers: configuration.bootstrapServers,
                                             properties: configuration.kafkaProperties, groupId: configuration.groupId,
                                             logSink: nil)
        let decoder = ItemRecordDecoder(limits: engineConfiguration.items.recordLimits(events: engineConfiguration.eventLimits))
        itemTopic = ItemTopicState(follower: follower, decoder: decoder)
        let found: ItemTopicFollower.CatchUp?
        do {
            found = try follower.catchUp(timeoutMs: configuration.itemsCatchUpTimeoutMs) { p, record in
                handleItemRecord(key: record.key ?? [], value: record.value ?? [], partition: p, offset: record.offset)
            }
        } catch {
            throw PipelineError("could not read the item topic \(topic) to its end (\(error)); kafka.items_catch_up_timeout_ms is \(configuration.itemsCatchUpTimeoutMs)")
        }
        guard let result = found else {
            itemTopic = nil
            logger.warning("item topic \(topic) does not exist: no item metadata is read; create it with cleanup.policy=compact and restart, or set kafka.items_topic: \"\"")
            return
        }
        let rate = result.seconds > 0 ? Double(result.records) / result.seconds : 0
        lock.lock()
        stats.itemRestoreRecords = result.records
        stats.itemRestoreSeconds = result.seconds
        let known = core.catalog.recordsApplied
        lock.unlock()
        logger.info("item topic \(topic): \(result.records) records from \(result.partitions) partition(s) read in \(String(format: "%.3f", result.seconds)) s (\(Int(rate)) items/s), \(known) applied")
    }

    /// Limits a pending withdrawal to the users of the partitions this instance owns now (call
    /// with the lock held, before the refresh round).
    func scopeWithdrawals() {
        guard core.catalog.hasPendingWithdrawals else { return }
        core.catalog.withdrawalPartitions = configuration.useConsumerGroup
            ? Set(partitions.indices.filter { partitions[$0].assigned }.map(Int32.init)) : nil
    }

    /// Applies the item records that arrived since the last call (does not wait).
    func pollItems() {
        guard let follower = itemTopic?.follower else { return }
        _ = follower.poll(maxMessages: Self.itemPollBatch) { message in
            message.key.withMemoryRebound(to: UInt8.self) { key in
                message.payload.withMemoryRebound(to: UInt8.self) { value in
                    handleItemRecord(key: key, value: value, partition: message.partition, offset: message.offset)
                }
            }
        }
    }

    /// Decodes and applies one item record, or dead-letters it.
    private func handleItemRecord<K: Collection<UInt8>, V: Collection<UInt8>>(key: K, value: V, partition: Int32, offset: Int64) {
        guard let state = itemTopic else { return }
        let source = "\(state.follower.topic)/\(partition)/\(offset)"
        var rejection: (reason: String, detail: String)?
        lock.lock()
        if value.isEmpty {
            if key.isEmpty {
                rejection = (EventDecodingError.Code.missingField.reason, "a tombstone (empty value) without a key names no item")
            } else {
                core.removeItemRecord(id: String(decoding: key, as: UTF8.self))
                stats.itemRecords += 1
            }
        } else {
            do {
                let keyBytes = Array(key)
                let record = try state.decoder.decode(Array(value), key: keyBytes.isEmpty ? nil : keyBytes)
                do {
                    try core.apply(itemRecord: record)
                    stats.itemRecords += 1
                } catch {
                    rejection = (error.reason, error.description)
                }
            } catch {
                rejection = (error.reason, error.description)
            }
        }
        lock.unlock()
        if let rejection {
            let k = Array(key), v = Array(value)
            k.withUnsafeBytes { kb in
                v.withUnsafeBytes { vb in
                    deadLetter(key: kb, value: vb, source: source, reason: rejection.reason, detail: rejection.detail)
                }
            }
        }
    }
}
