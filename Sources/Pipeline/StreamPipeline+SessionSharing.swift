import Engine
import Foundation
import Kafka
import Models

/// The session encoder, one per group, through the models topic (`kafka.models_topic`, one
/// partition, compacted): the member that owns input partition 0 trains it and publishes every
/// model it installs; the others train nothing and install each published model, its items
/// mapped onto their session vocabulary by id. When partition 0 moves, its new owner trains on,
/// from the last published model as its warm start. Before it consumes, a member reads the
/// topic and installs the newest complete model.
extension StreamPipeline {
    /// Reads the models topic to its end and installs the newest model found.
    func catchUpSessionModels() throws {
        guard let topic = modelsTopic else { return }
        let follower = try ItemTopicFollower(topic: topic, bootstrapServers: configuration.bootstrapServers,
                                             properties: configuration.kafkaProperties, groupId: configuration.groupId,
                                             role: "models-follower", logSink: nil)
        let state = SessionModelSharingState(topic: topic, follower: follower)
        sessionModels = state
        var newest: (version: Int64, bytes: [UInt8])?
        do {
            _ = try follower.catchUp(timeoutMs: configuration.itemsCatchUpTimeoutMs) { p, record in
                if let done = receiveSessionModelChunk(record.value ?? [], key: record.key ?? [], partition: p, offset: record.offset),
                   done.version > (newest?.version ?? 0) {
                    newest = done
                }
            }
        } catch {
            throw PipelineError("could not read the models topic \(topic) to its end (\(error)); kafka.items_catch_up_timeout_ms is \(configuration.itemsCatchUpTimeoutMs)")
        }
        if let newest { installSessionModel(newest) }
        updateSessionTrainer()
    }

    /// Applies the chunks that arrived since the last call (does not wait).
    func pollSessionModels() {
        guard let state = sessionModels else { return }
        var complete: [(version: Int64, bytes: [UInt8])] = []
        _ = state.follower.poll(maxMessages: 16) { message in
            let value = message.payload.withMemoryRebound(to: UInt8.self) { Array($0) }
            let key = message.key.withMemoryRebound(to: UInt8.self) { Array($0) }
            if let done = receiveSessionModelChunk(value, key: key, partition: message.partition, offset: message.offset) {
                complete.append(done)
            }
        }
        if let newest = complete.max(by: { $0.version < $1.version }) { installSessionModel(newest) }
    }

    /// Trains here only while this member owns input partition 0 (when the models topic is in force).
    func updateSessionTrainer() {
        guard sessionModels != nil else { return }
        lock.lock()
        let owner = !partitions.isEmpty && partitions[0].assigned
        let changed = core.sessionTrainsHere != owner
        if changed { core.sessionTrainsHere = owner }
        lock.unlock()
        if changed {
            logger.info(owner ? "this member owns input partition 0: it trains the session encoder and publishes it on \(modelsTopic ?? "")"
                              : "another member trains the session encoder: this one installs what it publishes")
        }
    }

    /// Publishes the model serving now when this member trained it and has not published it yet.
    func shareSessionModel() {
        guard let state = sessionModels else { return }
        lock.lock()
        let taken = core.takeSessionModelToPublish()
        lock.unlock()
        guard let (version, bytes) = taken else { return }
        for (key, value) in SessionModelSharingState.chunks(version: version, bytes: bytes) {
            do {
                try producer.produce(topic: state.topic, key: key, value: value, tag: deliveryEpoch)
            } catch {
                logger.error("could not publish session model \(version): \(error)")
                return
            }
        }
        logger.info("published session model \(version) (\(bytes.count) bytes) on \(state.topic)")
    }

    private func receiveSessionModelChunk(_ value: [UInt8], key: [UInt8], partition: Int32, offset: Int64) -> (version: Int64, bytes: [UInt8])? {
        guard let state = sessionModels else { return nil }
        do {
            return try state.receive(value)
        } catch {
            value.withUnsafeBytes { vb in
                key.withUnsafeBytes { kb in
                    deadLetter(key: kb, value: vb, source: "\(state.topic)/\(partition)/\(offset)",
                               reason: "malformed_session_model", detail: "\(error)")
                }
            }
            return nil
        }
    }

    private func installSessionModel(_ model: (version: Int64, bytes: [UInt8])) {
        lock.lock()
        let result = Result { try core.installSharedSessionModel(model.bytes) }
        lock.unlock()
        switch result {
        case .success(let installed?): logger.info("installed session model \(installed) from the group")
        case .success(nil): break
        case .failure(let error): logger.error("session model \(model.version) from the group not installed: \(error)")
        }
    }
}
