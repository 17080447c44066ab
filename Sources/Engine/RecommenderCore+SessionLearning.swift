import Foundation
import Linalg
import Models

extension RecommenderCore {
    /// Installs a model the trainer finished, and hands it a new round when one is due
    /// (`session.train_every_events` events or `session.train_interval_s` seconds since the last).
    /// Runs at the start of every refresh; without learning it does nothing.
    func maintainSessionModel(wallClockMs: Int64) {
        guard let session, let learning = session.learning else { return }
        if let learner = session.learningState.learner, let update = learner.take() {
            install(update, into: session)
        }
        guard session.learningState.trainsHere else { return }
        if session.learningState.draft != nil {
            // A round being taken: its next slice of windows.
            if let learner = session.learningState.learner { packSessionRound(session, learning, submitTo: learner) }
            return
        }
        if session.learningState.lastRoundWallMs == 0 { session.learningState.lastRoundWallMs = wallClockMs }
        session.learningState.quiet.look(applied: appliedEvents, wallClockMs: wallClockMs)
        let sinceEvents = appliedEvents - session.learningState.lastRoundEvents
        let sinceMs = wallClockMs - session.learningState.lastRoundWallMs
        let due = sinceEvents >= Int64(learning.trainEveryEvents)
            || (wallClockMs > 0 && sinceEvents > 0 && Double(sinceMs) >= learning.trainIntervalSeconds * 1000)
        let idle = !due && idleRoundDue(session, learning, wallClockMs: wallClockMs)
        guard due || idle else { return }
        let learner = session.learningState.learner ?? SessionLearner()
        if session.learningState.learner == nil {
            session.learningState.learner = learner
            learner.setBehind(session.learningState.streamBehind)
            // The trainer takes the second core: BLAS calls stay on their caller's thread.
            BLAS.setThreads(1)
        }
        guard !learner.isBusy else { return }
        session.learningState.lastRoundEvents = appliedEvents
        session.learningState.lastRoundWallMs = wallClockMs
        if due && appliedEvents - session.learningState.idleBudgetEvents >= Int64(learning.trainEveryEvents) {
            session.learningState.renewIdleBudget(atEvents: appliedEvents)
        }
        guard let draft = beginSessionRound(session, learning, idle: idle) else {
            if idle { session.learningState.idleStopped = true }  // nothing to train on
            return
        }
        if idle {
            session.learningState.idleRoundsTaken += 1
            session.learningState.idleRoundsTotal += 1
        }
        session.learningState.lastIdleVersion = idle ? draft.round.version : 0
        session.learningState.draft = draft
        packSessionRound(session, learning, submitTo: learner)
    }

    /// Packs the next slice of the round being taken; hands it to `learner` once it is whole.
    private func packSessionRound(_ session: SessionTracker, _ learning: SessionLearningConfiguration,
                                  submitTo learner: SessionLearner) {
        guard var draft = session.learningState.draft else { return }
        session.learningState.draft = nil  // mutated alone, not through the state (no copies)
        packWindows(&draft, session, learning, users: session.learningState.packUsersPerRefresh)
        if draft.packed(maxExamples: learning.maxExamplesPerRound) {
            learner.submit(finishSessionRound(draft, session, learning))
        } else {
            session.learningState.draft = draft
        }
    }

    /// Whether the stream has a backlog (the consumer more than a poll batch behind, as the
    /// pipeline sees it): the trainer's duty cycle (`session.train_duty`) holds only while the
    /// stream keeps up, where it protects the lists' latency; behind, it trains at full speed.
    public func setSessionStreamBehind(_ behind: Bool) {
        guard let session else { return }
        session.learningState.streamBehind = behind
        session.learningState.learner?.setBehind(behind)
    }

    /// Whether an idle round is due: the stream quiet for `quietMs`, a round trained before
    /// (or events left untrained), idle budget left and not stopped by the patience rule.
    private func idleRoundDue(_ session: SessionTracker, _ learning: SessionLearningConfiguration, wallClockMs: Int64) -> Bool {
        let st = session.learningState
        return st.idleBudgetLeft(learning) && wallClockMs > 0 && st.quiet.isQuiet(at: wallClockMs)
    }

    /// Takes a round now and trains it on the calling thread, then installs its model (tests,
    /// benchmarks). Returns false when learning is off or the buffer has nothing to train on.
    @discardableResult
    public func trainSessionModelNow() throws -> Bool {
        guard let session, let learning = session.learning, let round = makeSessionRound(session, learning) else { return false }
        session.learningState.lastRoundEvents = appliedEvents
        let update = try SessionLearner.train(round)
        session.learningState.syncLoss = update.loss
        session.learningState.syncNDCG = update.validationNDCG10
        session.learningState.syncSequences += Int64(update.sequences)
        session.learningState.syncSeconds += update.seconds
        install(update, into: session)
        return true
    }

    /// Waits for a round the trainer thread is working on and installs its model (tests).
    public func waitForSessionModel() {
        guard let session, let learner = session.learningState.learner else { return }
        learner.waitIdle()
        if let update = learner.take() { install(update, into: session) }
    }

    private func install(_ update: SessionModelUpdate, into session: SessionTracker) {
        session.install(model: update.model, fusion: update.fusion, encoder: update.encoder,
                        version: update.version, madeAtMs: update.finishedAtMs, warm: update.warm)
        session.learningState.idleAverage = update.average
        session.learningState.installed += 1
        if update.version == session.learningState.lastIdleVersion, let learning = session.learning {
            session.learningState.noteIdleRound(ndcg: update.validationNDCG10, patience: learning.idlePatience)
        }
        // Users whose vector changed are refreshed by their next event; the lists already
        // published stay until then.
    }

    /// The training figures; nil when learning is off.
    public var sessionLearningStatistics: SessionLearningStatistics? {
        guard let session, let learning = session.learning else { return nil }
        let totals = session.learningState.learner?.totals ?? SessionLearner.Totals()
        let st = session.learningState
        return SessionLearningStatistics(
            modelVersion: session.modelVersion, modelMadeAtMs: session.modelMadeAtMs, rounds: max(totals.rounds, st.installed),
            lastLoss: totals.lastLoss ?? st.syncLoss,
            lastValidationNDCG10: totals.lastNDCG ?? st.syncNDCG,
            lastRoundSeconds: totals.lastSeconds, sequencesTrained: totals.sequences + st.syncSequences,
            trainingSeconds: totals.seconds + st.syncSeconds,
            trainerCPUSeconds: totals.cpuSeconds, vocabularyItems: session.sessionItemIds.count,
            modelItems: session.ready ? session.model.itemCount : 0,
            attributeItems: session.ready ? session.model.itemFeatures.itemsWithFeatures : 0,
            attributeTableRows: session.ready ? session.model.configuration.attributeCount : 0, recentCoverage: st.recentCoverage,
            replayBytes: st.replayBytes, replayUsers: st.replayUsers, warmedUsers: st.lastWarmed,
            idleRounds: st.idleRoundsTotal, idleTrainingOver: idleTrainingOver(session, learning), lastError: totals.lastError)
    }

    private func idleTrainingOver(_ session: SessionTracker, _ learning: SessionLearningConfiguration) -> Bool {
        let st = session.learningState
        return st.learner?.isBusy != true && (!st.trainsHere || !st.idleBudgetLeft(learning))
    }

    /// Builds a round from the replay buffer: the windows of the most recently active users, up to
    /// `session.replay_max_bytes`, drawn at random until the round's example budget is covered.
    /// The held-out examples are the events captured since the last arming (`SessionHeldOut`;
    /// their users' windows are not trained on this round), once there are enough of them to refit
    /// the fusion on; the newest users with enough history for MF are then armed for the next
    /// ones. With too few, the captured events are kept (their users still left out of training)
    /// and the newest users are armed in addition. Nil when nothing to train on.
    func makeSessionRound(_ session: SessionTracker, _ learning: SessionLearningConfiguration, idle: Bool = false) -> SessionRound? {
        guard var draft = beginSessionRound(session, learning, idle: idle) else { return nil }
        packWindows(&draft, session, learning, users: .max)
        return finishSessionRound(draft, session, learning)
    }

    /// The first part of taking a round (see `makeSessionRound`): the replay buffer walked, the
    /// held-out events set aside and the next ones armed, the users to pack drawn; nil when
    /// nothing to train on.
    func beginSessionRound(_ session: SessionTracker, _ learning: SessionLearningConfiguration, idle: Bool) -> SessionRoundDraft? {
        session.syncItems(items)
        let window = session.model.configuration.windowLength
        let cap = max(1, learning.replayMaxBytes / (window * Self.replayBytesPerStep))
        let known = session.ready ? Int32(session.model.itemCount) : 0
        var pool: [Int] = []
        var replayBytes = 0, replayUsers = 0, steps = 0, covered = 0
        // Local copies (no copy of the storage: nothing here writes to them) read without the
        // class's access checks; the states are read in place, not copied out.
        let slots = session.slots, recency = session.recency
        var row = recency.newest
        while row >= 0 && replayUsers < cap {
            let u = Int(row)
            if u < slots.count, let n = slots[u]?.window.count {
                replayBytes += n * Self.replayBytesPerStep
                replayUsers += 1
                steps += n
                covered += slots[u]!.window.countItems(below: known)
                if n >= 2 { pool.append(u) }
            }
            row = recency.olderNeighbour(of: row)
        }
        session.learningState.recordReplay(bytes: replayBytes, users: replayUsers, steps: steps, covered: covered)
        guard pool.count >= 2 else { return nil }
        let vocabulary = session.sessionItemIds.count
        // Held out: the events captured since the last round (each before MF or any round
        // learned from it), scored by MF with the user's vector as it was then.
        // They are used once there are enough to refit the fusion on (`minimumValidationEvents`,
        // or every armed user's); until then they add up over rounds, their
        // users left out of training meanwhile, and more users are armed.
        let captured = session.heldOut
        let enough = captured.count >= learning.minimumValidationEvents || captured.count >= captured.capacity
        var validation: SessionValidationDraft?
        var refitFusion = true
        var validationUsers: [Int] = []
        let fresh = enough && captured.count > 0 && vocabulary > 0
        if fresh {
            // A copy of what was captured (the items each user had seen then marked in its MF
            // row, so items seen after the event stay in the ranking): the trainer expands it.
            let draft = SessionValidationDraft(captured: captured, itemMap: session.itemMap, vocabulary: vocabulary)
            for e in 0..<captured.count where draft.isUsable(e) { validationUsers.append(Int(captured.users[e])) }
            validation = draft
            refitFusion = captured.mfPassSteps == mfIdleSteps
            session.learningState.lastValidation = draft
            session.learningState.lastValidationUsers = Set(validationUsers)
        } else if idle, let last = session.learningState.lastValidation {
            // No new held-out events while the stream is quiet: the last ones measure again (laid
            // over the vocabulary as it is now when items came since).
            validation = last.vocabulary == vocabulary ? last
                : SessionValidationDraft(captured: last.captured, itemMap: session.itemMap, vocabulary: vocabulary)
            refitFusion = last.captured.mfPassSteps == mfIdleSteps
        }
        // The next round's held-out events: the next event of the newest users with MF history.
        let maxValidation = min(learning.validationUsers, max(0, (8 << 20) / max(1, vocabulary)), pool.count / 4)
        var armed: [Int] = []
        for u in pool where armed.count < maxValidation && isPersonal(Int32(u)) { armed.append(u) }
        // Left out of training: this round's held-out users, or those still waiting to be used.
        // The users of the last held-out events used stay out until newer ones replace them: idle
        // rounds measure on those events again, so no round may have learned their targets.
        var held = fresh ? Set(validationUsers) : Set(captured.capturedUsers.map(Int.init))
        if !fresh { held.formUnion(session.learningState.lastValidationUsers) }
        if enough {
            // Sampled events fill what the armed users leave, spread over about half a round's events.
            let stride = max(1, learning.trainEveryEvents / max(1, 2 * maxValidation))
            session.heldOut.arm(rows: armed, capacity: maxValidation, sampleStride: maxValidation > 0 ? stride : 0,
                                userCount: users.count, itemCount: items.count, window: window, mfPassSteps: mfIdleSteps)
        } else {
            session.heldOut.extend(rows: armed, userCount: users.count)
        }
        // Trained on: the others, drawn at random until the example budget is covered.
        var rest = held.isEmpty ? pool : pool.filter { !held.contains($0) }
        let version = max(session.learningState.nextVersion, session.modelVersion + 1)
        var rng = SeededGenerator(seed: UInt64(bitPattern: version) &+ 17)
        rest.shuffle(using: &rng)
        session.learningState.nextVersion = version + 1
        var roundLearning = learning
        if idle { roundLearning.model.loss = learning.idleLoss }
        var pack = SessionStepPack()
        pack.reserve(steps: min(steps, learning.maxExamplesPerRound + rest.count), windows: rest.count)
        var warm = SessionWarmStates()
        warm.reserve(rest.count)
        // An idle round that joins the mean starts from the last idle round's own weights, while
        // the mean serves (and only while it does: a model installed otherwise starts a new mean).
        let joinsAverage = idle && learning.idleAveraging && session.ready
        let average = joinsAverage ? session.learningState.idleAverage.flatMap { $0.model === session.model ? $0 : nil } : nil
        var round = SessionRound(learning: roundLearning, version: version, vocabularyCount: vocabulary,
                                 warmStart: session.ready ? average?.iterate ?? session.model : nil, features: nil, fusion: session.fusion,
                                 pack: pack, warm: warm, validation: validation, refitFusion: refitFusion,
                                 paced: !idle && learning.trainDuty < 1, replayBytes: replayBytes, replayUsers: replayUsers)
        round.joinsAverage = joinsAverage
        round.average = average
        return SessionRoundDraft(round: round, rest: rest, held: held, steps: steps, covered: covered, cap: cap, known: known)
    }

    /// Bytes of one window step in the replay buffer: item, type, time.
    static let replayBytesPerStep = 4 + 1 + 8

    /// Packs the windows of the draft's next `users` users (fewer once the example budget is covered).
    func packWindows(_ draft: inout SessionRoundDraft, _ session: SessionTracker, _ learning: SessionLearningConfiguration,
                     users count: Int) {
        let slots = session.slots
        let end = draft.rest.count - draft.next <= count ? draft.rest.count : draft.next + count
        while draft.next < end && draft.examples < learning.maxExamplesPerRound {
            let u = draft.rest[draft.next]
            draft.next += 1
            // A row freed (or taken by another user) since the walk: its window now, or none.
            guard u < slots.count, slots[u] != nil, slots[u]!.window.count >= 2 else { continue }
            draft.round.pack.append(slots[u]!.window)
            draft.round.warm.note(row: Int32(u), serial: slots[u]!.serial, steps: slots[u]!.appendedSteps)
            draft.examples += slots[u]!.window.count - 1
        }
    }

    /// The last part of taking a round: the spilled windows when the held ones did not fill it,
    /// the encoder's attribute input.
    func finishSessionRound(_ draft: consuming SessionRoundDraft, _ session: SessionTracker,
                            _ learning: SessionLearningConfiguration) -> SessionRound {
        var d = draft
        // Windows spilled for being idle (event time) or for room are part of the buffer too:
        // when the held ones do not fill the round, the most recently spilled come next.
        if d.examples < learning.maxExamplesPerRound && d.round.replayUsers < d.cap && session.spilled.count > 0 {
            let heldIds = Set(d.held.compactMap { $0 < users.count ? users.id(at: Int32($0)) : nil })
            let known = d.known
            session.spilled.forEachRecent { id, w in
                if !heldIds.isEmpty && heldIds.contains(id) { return true }
                let n = w.items.count
                d.round.replayBytes += n * Self.replayBytesPerStep
                d.round.replayUsers += 1
                d.steps += n
                d.covered += w.items.reduce(0) { $0 + ($1 < known ? 1 : 0) }
                if n >= 2 {
                    d.round.pack.append(items: w.items, times: w.timestamps)
                    d.examples += n - 1
                }
                return d.examples < learning.maxExamplesPerRound && d.round.replayUsers < d.cap
            }
            session.learningState.recordReplay(bytes: d.round.replayBytes, users: d.round.replayUsers, steps: d.steps,
                                               covered: d.covered)
        }
        let vocabulary = d.round.vocabularyCount
        d.round.features = sessionAttributeFeatures(session, learning, itemCount: max(vocabulary, session.ready ? session.model.itemCount : 0))
        return d.round
    }
}

extension RecommenderCore {
    /// Captures user row `u`'s event on engine item `item` as a held-out example, before the MF
    /// update: the user's MF scores and the window before the event; the items the user had seen
    /// by then (but the event's own) score `-infinity`, so validation leaves exactly those out of
    /// the ranking, as leave-one-out leaves out the history before the held-out item. Items seen
    /// later stay in: leaving them out would hand the ranking what the user did next.
    func captureHeldOut(user u: Int, item: Int32) {
        guard let session else { return }
        session.syncItems(items)
        let s = Int(item) < session.itemMap.count ? session.itemMap[Int(item)] : -1
        guard s >= 0, u < session.slots.count, let slot = session.slots[u], !slot.window.isEmpty else { return }
        // The MF scores as they are before this event is learned: item bias + user vector · item factors.
        let mf = model, f = model.configuration.factors
        session.heldOut.restamp(mfPassSteps: mfIdleSteps)
        session.heldOut.capture(user: u, target: s, window: slot.window, itemCount: items.count) { out, width in
            mf.itemBias.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: width) }
            BLAS.gemv(trans: false, m: width, n: f, a: mf.itemFactors.base, lda: f, x: mf.userFactors.row(u), beta: 1, y: out)
            for seen in table.seen[u] where seen != item && Int(seen) < width { out[Int(seen)] = -.infinity }
        }
    }
}

extension RecommenderCore {
    /// Stops the session trainer, cutting a round in progress short, and waits for its thread
    /// to return (call before the process exits).
    public func stopSessionTraining() {
        session?.learningState.learner?.stopAndWait()
    }
}
