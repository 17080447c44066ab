import Engine
import Foundation
import Kafka
import Models

/// Item state shared by the instances of a group through the item-updates topic
/// (`kafka.item_updates_topic`, one partition, `cleanup.policy=delete`).
///
/// Each instance sends the changes its own learning made to the items it touched (vector, bias,
/// event count, popularity; `ItemUpdateBatch`, key `<author>/<sequence>`), every
/// `item_updates_interval_ms` and with every commit round, tagged like the round's other
/// messages: a round commits its offsets only after the changes of the events it covers are
/// delivered. Every instance applies every other instance's messages between input polls, once
/// per author and sequence. Before it consumes, an instance reads the topic from where its
/// local checkpoint left it (from the start without one) to its end; readiness waits for it.
///
/// Staleness: a change reaches another instance within `item_updates_interval_ms`, plus the
/// producer's `linger.ms` and delivery, plus the follower's fetch wait
/// (`itemUpdatesFetchWaitMs`), plus one loop iteration of the receiver (at most
/// `poll_timeout_ms` when its input is quiet).
extension StreamPipeline {
    /// `fetch.wait.max.ms` of the item-updates follower (librdkafka's default is 500).
    static let itemUpdatesFetchWaitMs = 100

    /// Most update messages applied per loop iteration while following.
    static let itemUpdatePollBatch = 200

    /// Starts sharing in the core (as a new author, keeping what a checkpoint says is applied),
    /// then reads the topic to its end.
    func catchUpItemUpdates() throws {
        guard let topic = itemUpdatesTopic else { return }
        lock.lock()
        stats.itemUpdatesCatchingUp = true
        lock.unlock()
        defer {
            lock.lock()
            stats.itemUpdatesCatchingUp = false
            lock.unlock()
        }
        let follower = try ItemTopicFollower(topic: topic, bootstrapServers: configuration.bootstrapServers,
                                             properties: configuration.kafkaProperties, groupId: configuration.groupId,
                                             role: "item-updates-follower", fetchWaitMs: Self.itemUpdatesFetchWaitMs, logSink: nil)
        let start = restoredItemUpdatePositions
        let state = ItemSharingState(topic: topic, follower: follower, positions: start)
        itemSharing = state
        let found: ItemTopicFollower.CatchUp?
        do {
            found = try follower.catchUp(from: start, timeoutMs: configuration.itemsCatchUpTimeoutMs) { p, record in
                handleItemUpdate(key: record.key ?? [], value: record.value ?? [], partition: p, offset: record.offset)
            }
        } catch {
            throw PipelineError("could not read the item-updates topic \(topic) to its end (\(error)); kafka.items_catch_up_timeout_ms is \(configuration.itemsCatchUpTimeoutMs)")
        }
        guard let result = found else {
            throw PipelineError("item-updates topic \(topic) does not exist: create it (1 partition, cleanup.policy=delete), or set kafka.item_updates_topic: \"\" to let each instance learn its items alone")
        }
        lock.lock()
        stats.itemUpdatesRestoreRecords = result.records
        stats.itemUpdatesRestoreSeconds = result.seconds
        let known = core.items.count
        let applied = core.itemSharing?.statistics.batchesApplied ?? 0
        lock.unlock()
        logger.info("item updates \(topic): \(result.records) messages read from \(start.isEmpty ? "the start" : "the checkpoint's position") in \(String(format: "%.3f", result.seconds)) s, \(applied) applied; \(known) items known")
    }

    /// Applies the update messages that arrived since the last call (does not wait).
    func pollItemUpdates() {
        guard let state = itemSharing else { return }
        _ = state.follower.poll(maxMessages: Self.itemUpdatePollBatch) { message in
            message.key.withMemoryRebound(to: UInt8.self) { key in
                message.payload.withMemoryRebound(to: UInt8.self) { value in
                    handleItemUpdate(key: key, value: value, partition: message.partition, offset: message.offset)
                }
            }
        }
    }

    /// Sends this instance's item changes when `item_updates_interval_ms` has passed since the
    /// last send (`force`: now), and sends again the messages whose delivery failed.
    func shareItemUpdates(force: Bool = false) {
        guard let state = itemSharing else { return }
        let now = monotonicMs
        resendFailedItemUpdates()
        guard force || now - state.lastSentMs >= configuration.itemUpdatesIntervalMs else { return }
        state.lastSentMs = now
        lock.lock()
        let batches = core.takeItemUpdates(sentAtMs: Self.wallClockMs, maxItems: configuration.itemUpdatesMaxItems)
        lock.unlock()
        produce(itemUpdates: batches, tag: deliveryEpoch)
    }

    /// Hands `batches` to the producer under delivery tag `tag` and keeps them until delivered.
    func produce(itemUpdates batches: [ItemUpdateBatch], tag: UInt32) {
        guard let state = itemSharing, !batches.isEmpty else { return }
        var bytes = 0
        for batch in batches {
            let value = batch.encoded()
            bytes += value.count
            state.inFlight[batch.sequence] = (tag, value)
            send(value, key: ItemSharingState.key(author: batch.author, sequence: batch.sequence), tag: tag, topic: state.topic)
        }
        lock.lock()
        core.countSent(batches, bytes: bytes)
        lock.unlock()
    }

    /// Forgets the kept messages tagged at most `tag` (a delivered round: all of them are in).
    func itemUpdatesDelivered(upTo tag: UInt32) {
        guard let state = itemSharing else { return }
        resendFailedItemUpdates()
        state.inFlight = state.inFlight.filter { $0.value.tag > tag }
    }

    private func resendFailedItemUpdates() {
        guard let state = itemSharing else { return }
        for key in failures.takeItemUpdates() {
            guard let sequence = ItemSharingState.sequence(inKey: key), let kept = state.inFlight[sequence] else { continue }
            logger.warning("item update \(String(decoding: key, as: UTF8.self)) was not delivered: sending it again")
            state.inFlight[sequence] = (deliveryEpoch, kept.value)
            send(kept.value, key: key, tag: deliveryEpoch, topic: state.topic)
        }
    }

    private func send(_ value: [UInt8], key: [UInt8], tag: UInt32, topic: String) {
        do {
            try producer.produce(topic: topic, key: key, value: value, tag: tag)
        } catch {
            logger.error("could not send an item update: \(error)")
        }
    }

    /// Decodes and applies one update message, or dead-letters it.
    private func handleItemUpdate<K: Collection<UInt8>, V: Collection<UInt8>>(key: K, value: V, partition: Int32, offset: Int64) {
        guard let state = itemSharing else { return }
        state.positions[partition] = offset + 1
        var rejection: (reason: String, detail: String)?
        do {
            let bytes = Array(value)
            let batch = try ItemUpdateBatch(decoding: bytes)
            lock.lock()
            do {
                try core.apply(itemUpdates: batch, bytes: bytes.count)
            } catch {
                rejection = (error.reason, error.description)
            }
            lock.unlock()
        } catch {
            rejection = ("malformed_item_update", error.description)
        }
        if let rejection {
            let k = Array(key), v = Array(value)
            k.withUnsafeBytes { kb in
                v.withUnsafeBytes { vb in
                    deadLetter(key: kb, value: vb, source: "\(state.topic)/\(partition)/\(offset)",
                               reason: rejection.reason, detail: rejection.detail)
                }
            }
        }
    }
}
