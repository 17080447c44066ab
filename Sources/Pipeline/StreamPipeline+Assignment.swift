import Engine
import Foundation
import Kafka
import Models

/// Assignment and positions: what happens when partitions arrive or leave.
///
/// On assignment (eager or cooperative, first or later, after a restart or not) each partition
/// resumes at the position the state held for it reflects, when the group's committed position
/// names exactly that state (`PartitionState.matches`). Otherwise the state held for it, if any,
/// is dropped, and the partition is restored from the changelog as of the committed round before
/// any of its events is applied. A revoked partition is finished first (its lists published, its
/// round written and committed) and then suspended: not applied, not queried.
extension StreamPipeline {
    func startConsuming() throws {
        if configuration.useConsumerGroup {
            try consumer.subscribe(topics: [configuration.inputTopic], onAssign: { [self] assigned in
                assign(assigned.filter { $0.topic == configuration.inputTopic })
            }, onRevoke: { [self] revoked in
                revoke(revoked.filter { $0.topic == configuration.inputTopic }.map(\.partition))
            })
        } else {
            let topics = try KafkaAdmin.listTopics(bootstrapServers: configuration.bootstrapServers,
                                                   properties: configuration.kafkaProperties, timeoutMs: 10_000)
            guard let count = topics[configuration.inputTopic] else {
                throw KafkaError(kind: .invalidArgument, message: "input topic \(configuration.inputTopic) does not exist")
            }
            let all = (0..<count).map { TopicPartition(topic: configuration.inputTopic, partition: $0) }
            let committed = try consumer.committed(all, timeoutMs: 10_000)
            lock.lock()
            inputPartitionCount = count
            var start: [TopicPartitionOffset] = []
            for tp in all {
                let p = Int(tp.partition)
                while partitions.count <= p { partitions.append(PartitionState()) }
                partitions[p].assigned = true
                // One instance: the checkpoint's positions are the state's own.
                start.append(TopicPartitionOffset(tp, offset: partitions[p].position ?? committed[tp] ?? -2))
            }
            stats.assigned = true
            readyNotified = true
            lock.unlock()
            try consumer.assign(start)
            onReady?()
        }
    }

    /// The assignment callback: returns the position each partition resumes at.
    private func assign(_ assigned: [TopicPartition]) -> [TopicPartition: Int64] {
        let started = clock.now
        var committed: [TopicPartition: CommittedOffset] = [:]
        do {
            committed = try consumer.committedWithMetadata(assigned, timeoutMs: 10_000)
        } catch {
            logger.error("could not read the group's committed offsets (\(error)); restoring every assigned partition")
        }
        var seeks: [TopicPartition: Int64] = [:]
        var toRestore: [(TopicPartition, CommittedOffset?)] = []
        lock.lock()
        let incoming = Set(assigned.map(\.partition))
        // Suspended states of partitions that went elsewhere are dropped now.
        for p in partitions.indices where !partitions[p].assigned && partitions[p].position != nil && !incoming.contains(Int32(p)) {
            dropState(Int32(p))
        }
        var resumed = 0
        for tp in assigned {
            let p = Int(tp.partition)
            while partitions.count <= p { partitions.append(PartitionState()) }
            let group = committed[tp]
            if partitions[p].matches(committedOffset: group?.offset, metadata: group?.metadata) {
                seeks[tp] = partitions[p].position!
                partitions[p].groupOffset = group?.offset
                partitions[p].groupMarker = group?.metadata
                resumed += 1
            } else if partitions[p].resumable(committedOffset: group?.offset, metadata: group?.metadata) {
                logger.info("state held for \(tp) is at \(partitions[p].position!), ahead of the group's position \(group.map { "\($0.offset)" } ?? "none") only by a round whose commit a rebalance refused: resuming it, the commit follows")
                seeks[tp] = partitions[p].position!
                partitions[p].commitRefusedInRebalance = false
                partitions[p].committedOffset = nil
                resumed += 1
            } else {
                if partitions[p].position != nil {
                    logger.info("state held for \(tp) is at \(partitions[p].position!), the group's position is \(group.map { "\($0.offset)" } ?? "none"): dropping it")
                    dropState(tp.partition)
                }
                toRestore.append((tp, group))
            }
        }
        lock.unlock()

        for (tp, seek) in restoreAll(toRestore) { seeks[tp] = seek }

        lock.lock()
        for tp in assigned { partitions[Int(tp.partition)].assigned = true }
        stats.assigned = partitions.contains { $0.assigned }
        let first = !readyNotified
        readyNotified = true
        lock.unlock()
        let ms = Self.nanoseconds(clock.now - started) / 1_000_000
        logger.info("assigned \(assigned.count) partition(s) of \(configuration.inputTopic): \(resumed) resumed from the state held, \(toRestore.count) restored, in \(ms) ms")
        if first { onReady?() }
        return seeks
    }

    /// Restores partitions from the changelog as of the group's committed round (read together,
    /// in one pass), or starts them empty at the committed offset when there is no changelog or
    /// no round matches. Returns the positions to resume at (absent: the group's committed
    /// offset, or the reset policy).
    private func restoreAll(_ toRestore: [(TopicPartition, CommittedOffset?)]) -> [TopicPartition: Int64] {
        var seeks: [TopicPartition: Int64] = [:]
        var targets: [Int32: ChangelogReplay.Target] = [:]
        var groups: [Int32: (TopicPartition, CommittedOffset)] = [:]
        for (tp, group) in toRestore {
            let p = tp.partition
            guard let restorer else {
                lock.lock()
                partitions[Int(p)] = PartitionState(assigned: false, position: group?.offset)
                lock.unlock()
                continue
            }
            guard let group else {
                // Nothing committed: the partition starts from the beginning with an empty state;
                // whatever the changelog holds for it is written over.
                lock.lock()
                partitions[Int(p)] = PartitionState(assigned: false, position: nil)
                lock.unlock()
                scheduleOrphans(partition: p, restorer: restorer)
                continue
            }
            targets[p] = group.metadata.isEmpty ? .inputOffset(group.offset) : .marker(group.metadata)
            groups[p] = (tp, group)
        }
        guard let restorer, !targets.isEmpty else { return seeks }
        let started = clock.now
        let results: [Int32: ChangelogRestorer.Result]
        do {
            results = try restorer.restore(targets, timeoutMs: configuration.restoreTimeoutMs)
        } catch {
            logger.error("could not restore \(targets.count) partition(s) from \(restorer.topic): \(error); their users start empty at the group's position")
            lock.lock()
            for (p, (tp, group)) in groups {
                partitions[Int(p)] = PartitionState(assigned: false, position: group.offset)
                seeks[tp] = group.offset
            }
            lock.unlock()
            return seeks
        }
        let readAndResolve = Self.seconds(clock.now - started)
        lock.lock()
        var imported = 0
        var records = 0
        core.reserveUsers(additional: results.values.reduce(0) { $0 + $1.users.count })
        for (p, result) in results.sorted(by: { $0.key < $1.key }) {
            guard let (tp, group) = groups[p] else { continue }
            records += result.records
            for user in result.users {
                do { try core.importUser(user); imported += 1 } catch {
                    logger.error("could not restore user \(user.id) of \(tp): \(error)")
                }
            }
            var state = PartitionState(assigned: false, position: group.offset)
            state.orphans = result.orphans
            if let marker = result.marker {
                core.setApplied(marker.appliedEvents, partition: p)
                state.marker = marker.id
                state.markerOffset = marker.inputOffset
                state.committedOffset = group.offset
                state.groupOffset = group.offset
                state.groupMarker = group.metadata
                if marker.inputOffset != group.offset {
                    logger.error("changelog round \(marker.id) of \(tp) reflects offset \(marker.inputOffset), the group committed \(group.offset); resuming at the round's")
                    state.position = marker.inputOffset
                }
            } else {
                logger.warning("no complete changelog round of \(tp) matches the group's position \(group.offset) (\(targets[p]!)): its users start empty")
            }
            partitions[Int(p)] = state
            if let position = state.position { seeks[tp] = position }
        }
        let seconds = Self.seconds(clock.now - started)
        stats.restoredPartitions += results.count
        stats.restoredUsers += imported
        stats.restoreSeconds += seconds
        lock.unlock()
        metrics.restoredUsers.increment(by: imported)
        logger.info("restored \(results.count) partition(s) from \(restorer.topic): \(imported) users, \(records) records in \(String(format: "%.3f", seconds)) s (read \(String(format: "%.3f", restorer.lastReadSeconds)) s, read and resolve \(String(format: "%.3f", readAndResolve)) s; \(Int(Double(imported) / max(seconds, 1e-9))) users/s)")
        return seeks
    }

    /// A partition starting empty: the ids its changelog holds are written over in its first round.
    private func scheduleOrphans(partition p: Int32, restorer: ChangelogRestorer) {
        // No marker has the empty id: the result is an empty state and every id on the partition.
        guard let result = (try? restorer.restore([p: .marker("")], timeoutMs: configuration.restoreTimeoutMs))?[p] else { return }
        lock.lock()
        partitions[Int(p)].orphans = result.orphans
        lock.unlock()
    }

    /// Drops what this instance holds for partition `p` (caller holds `lock`).
    func dropState(_ p: Int32) {
        let users = core.dropPartition(p)
        if Int(p) < partitions.count { partitions[Int(p)] = PartitionState() }
        if users > 0 { logger.info("dropped the state of \(configuration.inputTopic)/\(p): \(users) users") }
    }

    /// The revocation callback: publish, write and commit the revoked partitions only, then
    /// stop applying and answering for them.
    private func revoke(_ revoked: [Int32]) {
        guard !revoked.isEmpty else { return }
        let started = clock.now
        // Closing: the drain before `close` already published, wrote and committed everything.
        if consumer.isClosed {
            lock.lock()
            for p in revoked where Int(p) < partitions.count { partitions[Int(p)].assigned = false }
            stats.assigned = partitions.contains { $0.assigned }
            lock.unlock()
            return
        }
        logger.info("revoking \(revoked.count) partition(s): publishing, writing their state and committing first")
        refresh(force: true)
        checkpointAndCommit(only: Set(revoked), writeLocalCheckpoint: false)
        lock.lock()
        for p in revoked where Int(p) < partitions.count { partitions[Int(p)].assigned = false }
        stats.assigned = partitions.contains { $0.assigned }
        lock.unlock()
        let ms = Self.nanoseconds(clock.now - started) / 1_000_000
        logger.info("revoked \(revoked.map(String.init).joined(separator: ",")) in \(ms) ms")
        onRevoke?(revoked)
    }

    /// Reads the `pipeline.partitions` section of a checkpoint (absent in older ones).
    static func readPartitionSection(_ reader: SnapshotReader) throws -> [Int32: PartitionState] {
        guard reader.sectionNames.contains(partitionSection) else { return [:] }
        var r = ByteReader(try reader.section(partitionSection), context: partitionSection)
        var out: [Int32: PartitionState] = [:]
        for _ in 0..<(try r.read(UInt32.self)) {
            let p = try r.read(Int32.self)
            var state = PartitionState()
            let marker = try r.readString()
            state.marker = marker.isEmpty ? nil : marker
            let markerOffset = try r.read(Int64.self)
            state.markerOffset = markerOffset < 0 ? nil : markerOffset
            let committed = try r.read(Int64.self)
            state.committedOffset = committed < 0 ? nil : committed
            out[p] = state
        }
        return out
    }

    /// Section of the local checkpoint that holds each partition's changelog round.
    static let partitionSection = "pipeline.partitions"
}
