import Foundation

extension Execution {
    /// Whether changes go to a journal (one is set and no commit has failed).
    var isJournaling: Bool { journal != nil && pipeline.failure == nil }

    /// The figures as reported: as of the last durable commit for a journaled execution (after a
    /// failed commit, with the final status this process reached), live otherwise.
    func reportedCounters() -> ExecutionCounters {
        guard journal != nil else { return capturedCounters(includingCurrentTask: !monitors.isEmpty) }
        var reported = committedCounters
        if pipeline.failure != nil, status.isFinal, !pipeline.finalPending {
            reported.status = status
            reported.completedAt = counters.completedAt
        }
        return reported
    }

    /// A copy of the live figures with the scheduler's counts filled in.
    func capturedCounters(includingCurrentTask: Bool) -> ExecutionCounters {
        var captured = counters
        captured.status = status
        captured.completedTasks = scheduler.completedCount
        captured.finishedTasks = scheduler.finishedCount
        captured.queuedTasks = scheduler.readyCount
        captured.maxConcurrency = scheduler.maxConcurrency
        captured.currentTask = includingCurrentTask ? currentTaskIndex().map { plan.tasks[$0].id } : nil
        return captured
    }

    /// Asks the commit pipeline what to do after a change, and does it.
    func scheduleCommit() {
        guard journal != nil else { return }
        perform(
            pipeline.next(
                executionId: id, status: status, timeline: timeline,
                counters: { capturedCounters(includingCurrentTask: !monitors.isEmpty) }))
    }

    private func perform(_ step: CommitPipeline.Step) {
        switch step {
        case .none:
            return
        case .armGatherTimer:
            Task { [self] in
                // Real time, not the engine's clock: this batches I/O, it is not execution time.
                try? await Task.sleep(for: CommitPipeline.gatherDelay)
                gatherTimerFired()
            }
        case .commit(let batch, let ticket):
            deferredCommit = (batch, ticket)
            // Inside a worker's call the commit waits: the worker writes it if it has nothing else to do.
            if !deferringCommits { startDeferredCommit() }
        }
    }

    /// Starts the held commit in a task of its own.
    func startDeferredCommit() {
        guard let journal, let (batch, ticket) = deferredCommit else { return }
        deferredCommit = nil
        Task { [self] in  // isolated to this actor: only the commit itself runs elsewhere
            do {
                try await journal.commit(batch)
                committed(ticket)
            } catch {
                commitFailed(error, ticket)
            }
        }
    }

    private func gatherTimerFired() {
        perform(
            pipeline.gatherTimerFired(
                executionId: id, status: status, timeline: timeline,
                counters: { capturedCounters(includingCurrentTask: !monitors.isEmpty) }))
    }

    /// A commit is durable: release what waited for it, report its events and figures, and
    /// announce the end if it carried the final status.
    func committed(_ ticket: CommitPipeline.Ticket) {
        pipeline.committed()
        committedCounters = ticket.counters
        release(ticket.releases)
        let fresh = timeline.commit(upTo: ticket.mark)
        if ticket.isFinal && pipeline.finalPending {
            announcePendingFinal(fresh)
            return
        }
        if !fresh.events.isEmpty || !fresh.messages.isEmpty { publish(events: fresh.events, messages: fresh.messages) }
        scheduleCommit()
        wakeDrainWaiters()
        // A worker that wrote the commit takes the next ready task itself; the driver is needed
        // only for more, or for the end.
        if !deferringCommits || scheduler.readyCount > 1 || scheduler.isFinished || pendingStop != nil {
            wakeDriver()
        }
    }

    /// A commit failed: the execution cannot be durable any more, so it stops with `STORE_ERROR`.
    /// What was committed before stays committed and reported; the rest is never reported.
    func commitFailed(_ error: any Error, _ ticket: CommitPipeline.Ticket) {
        let failure = ExecutionError(
            code: "STORE_ERROR",
            message: "the execution's record could not be written (\(error)); it stopped here, and what was "
                + "recorded before is intact",
            timestamp: clock.date(at: clock.now()), recoverable: false)
        // Released so that the loop can wind down; nothing they unblock starts (the execution stops).
        release(ticket.releases + pipeline.failed(failure))
        wakeDrainWaiters()
        if pipeline.finalPending {
            // The end this process reached is not durable: what it reports is the failure to record it.
            status = .failed
            self.error = failure
            announcePendingFinal(([], []))
            return
        }
        if !status.isFinal {
            pendingStop = .fail(failure)
            wakeDriver()
        }
    }

    /// Applies what a commit (or its failure) releases, in the current epoch only.
    private func release(_ releases: [PendingRelease]) {
        for release in releases {
            switch release.kind {
            case .completion where release.epoch == epoch: scheduler.commitCompletion(release.index)
            case .nextAttempt where release.epoch == epoch: scheduler.commitRequeue(release.index)
            case .childRecorded: childWaiters.removeValue(forKey: release.index)?.resume()
            case .completion, .nextAttempt: break  // of an older epoch
            }
        }
    }

    /// The final status is committed (or can no longer be): every monitor gets the final update,
    /// with what it has not seen yet, and the waiters wake.
    private func announcePendingFinal(_ fresh: (events: [ExecutionEvent], messages: [ExecutionMessage])) {
        pipeline.finalPending = false
        let listeners = Array(monitors.values)
        monitors.removeAll()
        announceFinal(to: listeners, events: fresh.events, messages: fresh.messages)
        wakeDrainWaiters()
    }

    /// Waits until nothing waits for the journal: no commit runs and every change is committed
    /// (or a commit failed). A restore waits for this, so that attempts of the old epoch are durable
    /// before the new epoch starts others.
    func drainJournal() async {
        guard journal != nil else { return }
        scheduleCommit()
        while !pipeline.isIdle(timeline) {
            await withCheckedContinuation { drainWaiters.append($0) }
            scheduleCommit()
        }
    }

    private func wakeDrainWaiters() {
        let waiters = drainWaiters
        drainWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    /// Starts from a resume point: its completed tasks stay completed, attempts and the timeline
    /// continue where they were, and a `RECOVERY_INITIATED` event says from where.
    func applyResumePoint(_ point: ResumePoint) {
        if point.lastEventSequence > 0 {
            timeline.continueAfter(eventSequence: point.lastEventSequence, messageCount: point.messageCount)
        }
        adopt(point.checkpoints)
        quotas.continueAfter(
            events: point.bodyEvents, messages: point.bodyMessages, logBytes: point.bodyLogBytes,
            checkpoints: point.checkpoints.count)
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
            records[index].attempts = point.attempts[taskId] ?? point.attemptFloor
            records[index].recoveries = point.recoveries[taskId] ?? 0
        }
        record(
            .recoveryInitiated,
            "resumed from \(point.source): \(completed.count) of \(plan.tasks.count) task(s) stay completed",
            data: [
                "from": .string(point.source), "completedTasks": .int(completed.count),
                "skippedTasks": .int(skipped.count),
                "lastEventId": .int(point.lastEventSequence), "action": "RESUME", "deaths": .int(point.deaths),
            ])
    }
}
