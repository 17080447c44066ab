import Engine
import Foundation
import Kafka
import Models

/// Checkpoint and commit: one round makes the state of the assigned partitions durable, then
/// commits the input positions it reflects.
///
/// 1. Under the lock: the users that changed since the last round, per partition, and a marker
///    per partition whose position or users moved (`ChangelogMarker`, `previous` = the round
///    the state descends from).
/// 2. The records go to the changelog (partition p of the changelog for input partition p).
/// 3. The round waits until the producer reports on every message handed to it up to the
///    round's seal (its delivery tag): the round's records and the lists before it are
///    delivered, or the round fails. The loop goes on meanwhile (`startRound`,
///    `finishDeliveredRound`); a revocation and the drain wait in place, with a flush. A failed
///    list is forgotten as published (its user is refreshed and published again); a failed
///    round commits nothing and its users are written again in the next round.
/// 4. The local checkpoint (a cache of the same state for a fast restart) is written.
/// 5. The positions are committed to the group with the marker id as commit metadata; a member
///    that lost its partitions has its commit refused by the coordinator.
extension StreamPipeline {
    func checkpointDue(sinceMs elapsed: Int64) -> Bool {
        lock.lock(); defer { lock.unlock() }
        let pending = core.appliedEvents - lastCheckpointApplied
        if store == nil && changelog == nil {
            return elapsed >= configuration.commitIntervalMs
        }
        return pending >= Int64(configuration.checkpointEveryEvents)
            || (elapsed >= configuration.checkpointIntervalMs && (pending > 0 || positionsMoved))
    }

    /// Whether an assigned partition's position differs from what was last committed.
    private var positionsMoved: Bool {
        partitions.contains { $0.assigned && $0.position != nil && $0.position != $0.committedOffset }
    }

    /// Writes a round for the assigned partitions (those in `only`, when given), waits for the
    /// producer to deliver everything handed to it, then commits their positions (a round
    /// already sealed is finished first). `writeLocalCheckpoint: false` skips the local file (a
    /// revocation does not hold the group for it). Blocking: for revocations and the drain.
    func checkpointAndCommit(only: Set<Int32>? = nil, writeLocalCheckpoint: Bool = true) {
        if let pending = pendingRound {
            pendingRound = nil
            finish(pending, delivered: producer.flush(timeoutMs: configuration.shutdownTimeoutMs))
        }
        guard let round = sealRound(only: only, writeLocalCheckpoint: writeLocalCheckpoint) else { return }
        finish(round, delivered: producer.flush(timeoutMs: configuration.shutdownTimeoutMs))
    }

    /// Seals a round for every assigned partition without waiting for its deliveries
    /// (`finishDeliveredRound` commits it once they are in); nothing when a round is still
    /// pending. Returns whether a round was sealed.
    func startRound() -> Bool {
        guard pendingRound == nil else { return false }
        pendingRound = sealRound(only: nil, writeLocalCheckpoint: true)
        return pendingRound != nil
    }

    /// Finishes the pending round once every message produced up to its seal is delivered or
    /// failed (or as failed, when that takes longer than `shutdown_timeout_ms`).
    func finishDeliveredRound() {
        guard let pending = pendingRound else { return }
        if producer.pendingDeliveries(taggedAtMost: pending.epoch) == 0 {
            pendingRound = nil
            finish(pending, delivered: true)
        } else if Self.nanoseconds(clock.now - pending.sealedAt) / 1_000_000 > Int64(configuration.shutdownTimeoutMs) {
            pendingRound = nil
            finish(pending, delivered: false)
        }
    }

    /// Steps 1 and 2: takes the round and hands its changelog records to the producer, under
    /// the current delivery tag, which then moves on.
    private func sealRound(only: Set<Int32>?, writeLocalCheckpoint: Bool) -> Round? {
        // Lists still being ranked go out first, under the tag the round is sealed with.
        collectDeferredLists(wait: true)
        var round = prepareRound(only: only)
        // The item changes of the events the round covers go out under its tag, so the commit
        // waits for them (a round with no partitions still sends what it took).
        produce(itemUpdates: round.itemUpdates, tag: deliveryEpoch)
        guard !round.targets.isEmpty else { return nil }
        round.epoch = deliveryEpoch
        round.sealedAt = clock.now
        round.writesLocalCheckpoint = writeLocalCheckpoint
        deliveryEpoch = deliveryEpoch == .max ? 1 : deliveryEpoch + 1
        if let changelog {
            let bytesBefore = changelog.bytesWritten
            defer { metrics.changelogBytes.increment(by: changelog.bytesWritten - bytesBefore) }
            do {
                for (marker, users, removed) in round.writes {
                    try changelog.write(users: users, removed: removed, marker: marker, tag: round.epoch)
                }
            } catch {
                logger.error("changelog write failed; nothing is committed this round: \(error)")
                round.writeFailed = true
            }
        }
        return round
    }

    /// Steps 3 to 5 for a sealed round whose deliveries are in (`delivered`), or not.
    private func finish(_ round: Round, delivered flushed: Bool) {
        var roundFailed = round.writeFailed
        // 3. Delivery of everything handed to the producer up to the seal.
        if flushed { itemUpdatesDelivered(upTo: round.epoch) }
        let failed = failures.take()
        if !flushed {
            logger.error("producer did not deliver within \(configuration.shutdownTimeoutMs) ms (\(producer.outstandingCount) outstanding); nothing is committed this round")
            roundFailed = true
        }
        if failed.changelogRecords > 0 {
            logger.error("\(failed.changelogRecords) changelog record(s) were not delivered; nothing is committed this round")
            roundFailed = true
        }
        if !failed.listUsers.isEmpty || roundFailed {
            lock.lock()
            for user in failed.listUsers { core.forgetPublishedList(of: user) }
            for (_, users, _) in round.writes { for id in users.ids { core.markChanged(id: id) } }
            lock.unlock()
            if !failed.listUsers.isEmpty {
                logger.warning("\(failed.listUsers.count) list(s) were not delivered: they are published again, and this round is not committed")
                roundFailed = true
            }
        }
        if roundFailed {
            metrics.checkpointFailures.increment()
            return
        }

        // 4. The local checkpoint.
        if let store, round.writesLocalCheckpoint, let bytes = round.localCheckpoint {
            let started = clock.now
            do {
                let path = try store.write(bytes, sequence: round.applied)
                metrics.checkpoints.increment()
                metrics.checkpointLatency.recordNanoseconds(Self.nanoseconds(clock.now - started))
                logger.debug("checkpoint \(path): \(round.applied) events, \(bytes.count) bytes")
            } catch {
                metrics.checkpointFailures.increment()
                logger.error("checkpoint failed; offsets stay uncommitted: \(error)")
                return
            }
        }
        lock.lock()
        for (marker, _, _) in round.writes {
            let p = Int(marker.partition)
            partitions[p].marker = marker.id
            partitions[p].markerOffset = marker.inputOffset
            partitions[p].orphans = []
        }
        lastCheckpointApplied = round.applied
        lastCheckpointWallMs = Self.wallClockMs
        stats.changelogRounds += Int64(round.writes.count)
        stats.changelogBytes = changelog?.bytesWritten ?? 0
        lock.unlock()

        // 5. The commit, with each partition's round as metadata.
        let commits = round.targets.compactMap { p -> (TopicPartitionOffset, String)? in
            guard let position = round.positions[p] else { return nil }
            return (TopicPartitionOffset(topic: configuration.inputTopic, partition: p, offset: position), round.markers[p] ?? "")
        }
        guard !commits.isEmpty else { return }
        do {
            var metadata: [TopicPartition: String] = [:]
            for (tpo, id) in commits where !id.isEmpty { metadata[tpo.topicPartition] = id }
            try consumer.commit(commits.map(\.0), metadata: metadata)
            lock.lock()
            for (tpo, id) in commits {
                let p = Int(tpo.partition)
                partitions[p].committedOffset = tpo.offset
                partitions[p].groupOffset = tpo.offset
                partitions[p].groupMarker = id
                partitions[p].commitRefusedInRebalance = false
            }
            lock.unlock()
        } catch {
            metrics.commitFailures.increment()
            // Refused for a rebalance in progress, by a coordinator that knows this member and
            // its generation: if the partition comes back in the next generation, the state
            // is taken up again (`PartitionState.resumable`). Any other refusal (fenced, or
            // moved): not used again without a restore.
            let inRebalance = (error as? KafkaError)?.rdKafkaName == "REBALANCE_IN_PROGRESS"
            logger.warning("offset commit failed (\(inRebalance ? "a rebalance is in progress" : "the partition may have moved to another member; its state here will not be used again without a restore")): \(error)")
            lock.lock()
            for (tpo, _) in commits {
                partitions[Int(tpo.partition)].committedOffset = nil
                partitions[Int(tpo.partition)].commitRefusedInRebalance = inRebalance
            }
            lock.unlock()
        }
    }

    /// What one round writes, taken under the lock, and its delivery tag.
    struct Round {
        var epoch: UInt32 = 0
        var sealedAt = ContinuousClock.now
        var writesLocalCheckpoint = true
        var writeFailed = false
        var targets: [Int32] = []
        var positions: [Int32: Int64] = [:]
        var markers: [Int32: String] = [:]
        var writes: [(ChangelogMarker, UserRecordBatch, [String])] = []
        var localCheckpoint: [UInt8]?
        var applied: Int64 = 0
        var itemUpdates: [ItemUpdateBatch] = []
    }

    private func prepareRound(only: Set<Int32>?) -> Round {
        lock.lock(); defer { lock.unlock() }
        var round = Round()
        round.targets = partitions.indices.map(Int32.init).filter { p in
            partitions[Int(p)].assigned && (only?.contains(p) ?? true)
        }
        for p in round.targets {
            if let position = partitions[Int(p)].position { round.positions[p] = position }
        }
        round.applied = core.appliedEvents
        // Taken with the state the checkpoint holds: its items then hold nothing unsent.
        if itemSharing != nil {
            round.itemUpdates = core.takeItemUpdates(sentAtMs: Self.wallClockMs, maxItems: configuration.itemUpdatesMaxItems)
        }
        if let changelog {
            let prefix = changelog.userValuePrefix
            var changed = core.takeChangedUserRecords(in: Set(round.targets), prefix: prefix)
            for p in round.targets {
                let state = partitions[Int(p)]
                guard let position = state.position else { continue }
                var users = changed.removeValue(forKey: p) ?? UserRecordBatch(prefix: prefix)
                var removed: [String] = []
                if !state.orphans.isEmpty {
                    let written = Set(users.ids)
                    for id in state.orphans where !written.contains(id) {
                        if let row = core.users.index(of: id), core.partition(ofUser: id) == p {
                            users.add(id: id) { core.appendUserRecord(row: row, to: &$0) }
                        } else {
                            removed.append(id)
                        }
                    }
                }
                let needed = !users.isEmpty || !removed.isEmpty || state.markerOffset != position || state.marker == nil
                if !needed {
                    if let marker = state.marker { round.markers[p] = marker }
                    continue
                }
                let applied = Int(p) < core.appliedByPartition.count ? core.appliedByPartition[Int(p)] : 0
                let marker = ChangelogMarker(id: changelog.nextMarkerId(), previous: state.marker, partition: p,
                                             inputOffset: position, appliedEvents: applied, users: -1,
                                             writtenAtMs: Self.wallClockMs)
                round.markers[p] = marker.id
                round.writes.append((marker, users, removed))
            }
            // Users of partitions outside this round stay flagged for a later one.
            for (_, users) in changed { for id in users.ids { core.markChanged(id: id) } }
        }
        if store != nil {
            var keyed = Dictionary(uniqueKeysWithValues: partitions.indices.compactMap { p -> (TopicPartitionKey, Int64)? in
                guard let position = partitions[p].position else { return nil }
                return (TopicPartitionKey(topic: configuration.inputTopic, partition: Int32(p)), position)
            })
            if let sharing = itemSharing {
                for (p, position) in sharing.positions { keyed[TopicPartitionKey(topic: sharing.topic, partition: p)] = position }
            }
            var writer = core.checkpoint(offsets: keyed, writtenAtMs: Self.wallClockMs)
            let states = partitions
            let markers = round.markers
            writer.addSection(Self.partitionSection) { w in
                let held = states.indices.filter { states[$0].position != nil }
                w.append(UInt32(held.count))
                for p in held {
                    w.append(Int32(p))
                    w.append(markers[Int32(p)] ?? states[p].marker ?? "")
                    w.append(markers[Int32(p)] != nil ? (states[p].position ?? -1) : (states[p].markerOffset ?? -1))
                    w.append(states[p].committedOffset ?? -1)
                }
            }
            round.localCheckpoint = writer.encoded()
        }
        return round
    }
}
