import Foundation

extension Execution {
    /// Whether changes go to a journal (one is set and no commit has failed).
    var isJournaling: Bool { journal != nil && journalFailure == nil }

    /// How long changes that nothing waits for (a task started, a message) may gather before
    /// they are committed; a completion, which a dependent waits for, is committed at once.
    static var gatherDelay: Duration { .milliseconds(2) }

    /// Commits the gathered changes: at once when a completion or the end waits for them, else
    /// within ``gatherDelay``; never two commits at a time. While one commit runs, the next batch
    /// gathers everything that happens meanwhile — the group commit: under load many events share
    /// a transaction.
    func scheduleCommit() {
        guard journal != nil, journalFailure == nil, !commitInFlight, !batch.isEmpty else { return }
        let urgent = !awaitingCommit.isEmpty || batch.finalResult != nil
        if urgent {
            startCommit()
        } else if !gatherTimerArmed {
            gatherTimerArmed = true
            Task { [self] in
                // Real time, not the engine's clock: this batches I/O, it is not execution time.
                try? await Task.sleep(for: Self.gatherDelay)
                gatherTimerArmed = false
                startCommit()
            }
        }
    }

    private func startCommit() {
        guard let journal, journalFailure == nil, !commitInFlight, !batch.isEmpty else { return }
        commitInFlight = true
        var outgoing = batch
        batch = JournalBatch()
        outgoing.executionId = id
        outgoing.status = status
        outgoing.statusChanged = status != lastCommittedStatus
        lastCommittedStatus = status
        let completions = awaitingCommit
        awaitingCommit.removeAll()
        let upTo = (events: timeline.count, messages: messages.count)
        let isFinal = outgoing.finalResult != nil
        Task { [self] in  // isolated to this actor: only the commit itself runs elsewhere
            do {
                try await journal.commit(outgoing)
                committed(completions, upTo: upTo, final: isFinal)
            } catch {
                commitFailed(error, completions)
            }
        }
    }

    /// A commit is durable: release the dependents of its completions, publish its events, and
    /// announce the end if it carried the final status.
    func committed(_ completions: [(index: Int, epoch: Int)], upTo: (events: Int, messages: Int), final: Bool) {
        commitInFlight = false
        for completion in completions where completion.epoch == epoch {
            scheduler.commitCompletion(completion.index)
        }
        if final && finalPending {
            announcePendingFinal()
            return
        }
        let events = Array(timeline[min(committedEvents, upTo.events)..<upTo.events])
        let newMessages = Array(messages[min(committedMessages, upTo.messages)..<upTo.messages])
        committedEvents = max(committedEvents, upTo.events)
        committedMessages = max(committedMessages, upTo.messages)
        if !events.isEmpty || !newMessages.isEmpty { publish(events: events, messages: newMessages) }
        scheduleCommit()
        wakeDriver()
    }

    /// A commit failed: the execution cannot be durable any more, so it stops with `STORE_ERROR`.
    /// What was committed before stays committed; the rest is kept in memory only.
    func commitFailed(_ error: any Error, _ completions: [(index: Int, epoch: Int)]) {
        commitInFlight = false
        journalFailure = ExecutionError(
            code: "STORE_ERROR",
            message: "the execution's record could not be written (\(error)); it stopped, and what was recorded "
                + "before is intact: fix the cause and resume it",
            timestamp: clock.date(at: clock.now()), recoverable: false)
        for completion in completions where completion.epoch == epoch {
            scheduler.commitCompletion(completion.index)
        }
        for (index, stamp) in awaitingCommit where stamp == epoch {
            scheduler.commitCompletion(index)
        }
        awaitingCommit.removeAll()
        batch = JournalBatch()
        if finalPending {
            announcePendingFinal()
            return
        }
        let events = Array(timeline[committedEvents...])
        let newMessages = Array(messages[committedMessages...])
        committedEvents = timeline.count
        committedMessages = messages.count
        publish(events: events, messages: newMessages)
        if !status.isFinal, let failure = journalFailure {
            pendingStop = .fail(failure)
            wakeDriver()
        }
    }

    /// The final status is committed (or can no longer be): every monitor gets the final update,
    /// with what it has not seen yet, and the waiters wake.
    private func announcePendingFinal() {
        finalPending = false
        let listeners = Array(monitors.values)
        monitors.removeAll()
        announceFinal(to: listeners, from: (committedEvents, committedMessages))
    }

    /// Starts from a resume point: its completed tasks stay completed, attempts and the timeline
    /// continue where they were, and a `RECOVERY_INITIATED` event says from where.
    func applyResumePoint(_ point: ResumePoint) {
        eventSequence = point.lastEventSequence
        messageSequence = point.messageCount
        checkpoints = point.checkpoints
        variables = point.variables
        let completed = plan.tasks.indices.filter { point.completed[plan.tasks[$0].id] != nil }
        let skipped = plan.tasks.indices.filter { point.skipped.contains(plan.tasks[$0].id) }
        // A skip is final like a completion: dependents run without the skipped task's result.
        scheduler.restore(completed: Set(completed).union(skipped))
        completionOrder = completed
        for index in records.indices {
            let taskId = plan.tasks[index].id
            records[index].result = point.completed[taskId]
            records[index].state = point.taskStates[taskId] ?? .null
            records[index].attempts = point.attempts[taskId] ?? 0
        }
        record(
            .recoveryInitiated,
            "resumed from \(point.source): \(completed.count) of \(plan.tasks.count) task(s) stay completed",
            data: [
                "from": .string(point.source), "completedTasks": .int(completed.count),
                "skippedTasks": .int(skipped.count),
                "lastEventId": .int(point.lastEventSequence), "action": "RESUME",
            ])
    }
}
