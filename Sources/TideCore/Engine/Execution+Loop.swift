extension Execution {
    /// Marks the execution started (`RUNNING`, `EXECUTION_STARTED`); the engine calls it before
    /// its loop runs, so control calls made right after ``DefaultExecutionEngine/start(_:executionId:)``
    /// find it running.
    func begin() {
        guard status == .pending else { return }
        counters.startedAt = clock.now()
        status = .running
        // A resume of an execution that had committed nothing yet starts its timeline too.
        if resumePoint.map({ $0.lastEventSequence == 0 }) ?? true {
            record(
                .executionStarted, "execution of plan '\(plan.id)' started",
                data: [
                    "executionId": .string(id), "planId": .string(plan.id), "totalTasks": .int(plan.tasks.count),
                ])
        }
        if let resumePoint { applyResumePoint(resumePoint) }
    }

    /// Runs epochs of the loop: one, or more when checkpoints are restored.
    ///
    /// Each epoch is a task group of *workers*: up to `maxConcurrency` child tasks that each run an
    /// attempt, then report its outcome and take the next ready task in one call to this actor.
    /// An uncontended actor call runs on the worker's own thread, so in steady state a task costs
    /// no thread wake-up. The driver (this function) sleeps until it has something to do: a control
    /// event, more ready tasks than workers, a worker leaving, or the end.
    func drive() async {
        while true {
            await withDiscardingTaskGroup { group in
                if let timeout = plan.timeout { addExecutionTimer(timeout, to: &group) }
                if let interval = configuration.checkpointPolicy.interval { addCheckpointTimer(interval, to: &group) }
                if cancelRequested { pendingEvents.append(.cancel) }
                while true {
                    let events = pendingEvents
                    pendingEvents.removeAll()
                    for event in events { handle(event, &group) }
                    if let reason = pendingStop {
                        pendingStop = nil
                        beginStopping(reason, &group)
                    }
                    settle()
                    if isLoopDone { break }
                    addWorkers(&group)
                    await waitForSignal()
                }
                group.cancelAll()
            }
            guard case .restore(let checkpoint) = stopping else { return }
            // The old epoch's attempts are durable before the new epoch starts others.
            await drainJournal()
            applyRestore(checkpoint)
        }
    }

    /// The loop of this epoch is over: the execution is final, or a restore can proceed.
    var isLoopDone: Bool {
        if status.isFinal { return true }
        if case .restore = stopping { return counters.inFlight == 0 }
        return false
    }

    /// Finishes the execution when nothing is left to run (or to wait for, when stopping).
    func settle() {
        if let stopping {
            if counters.inFlight == 0 { finishStopping(stopping) }
            return
        }
        // A paused execution stays paused even with nothing left to run; it completes on resume.
        if scheduler.isFinished && counters.inFlight == 0 && status == .running {
            finalize(anyTaskFailed ? .failed : .completed)
        }
    }

    /// Adds workers while there are more ready tasks than workers and the concurrency allows.
    func addWorkers(_ group: inout DiscardingTaskGroup) {
        guard status == .running, stopping == nil else { return }
        let wanted = min(scheduler.maxConcurrency, scheduler.readyCount + scheduler.runningCount)
        let workerEpoch = epoch
        while workers < wanted {
            workers += 1
            group.addTask { [self] in await work(epoch: workerEpoch) }
        }
    }

    /// One worker: runs attempts until no task is ready for it, and performs the commits it is
    /// handed meanwhile.
    nonisolated func work(epoch workerEpoch: Int) async {
        var report: WorkerReport?
        while true {
            switch await nextStep(after: report, epoch: workerEpoch) {
            case .run(let job):
                report = .attempt(job.index, await runJob(job))
            case .commit(let batch, let ticket, let journal):
                do {
                    try await journal.commit(batch)
                    report = .committed(ticket, nil)
                } catch {
                    report = .committed(ticket, error)
                }
            case .stop:
                return
            }
        }
    }

    /// Records what the worker did last and hands it its next step: the next ready task; else a
    /// commit that is due (a worker with nothing to run writes it itself, which spares a chain of
    /// tasks a task and two thread wake-ups per commit); else `stop`.
    func nextStep(after report: WorkerReport?, epoch workerEpoch: Int) -> WorkerStep {
        deferringCommits = true
        switch report {
        case .attempt(let index, let outcome):
            let now = endAttempt(index)
            if workerEpoch == epoch, !status.isFinal {
                handleOutcome(index, outcome, at: now)
            }
        case .committed(let ticket, nil):
            committed(ticket)
        case .committed(let ticket, let error?):
            commitFailed(error, ticket)
        case nil:
            break
        }
        var job: AttemptJob?
        if workerEpoch == epoch, status == .running, stopping == nil, pendingStop == nil,
            workers <= scheduler.maxConcurrency, let index = scheduler.startNext()
        {
            job = prepareAttempt(index)
        }
        deferringCommits = false
        if let job {
            startDeferredCommit()  // this worker runs an attempt: the commit runs beside it
            if scheduler.readyCount > 0 && workers < scheduler.maxConcurrency { wakeDriver() }
            if pendingStop != nil || scheduler.isFinished { wakeDriver() }
            return .run(job)
        }
        if let commit = deferredCommit, let journal {
            deferredCommit = nil
            return .commit(commit.batch, commit.ticket, journal)
        }
        workers -= 1
        wakeDriver()
        return .stop
    }

    /// Queues a control event for the driver and wakes it.
    func signal(_ event: LoopEvent) {
        pendingEvents.append(event)
        wakeDriver()
    }

    /// Wakes the driver if it sleeps, or makes its next sleep return at once.
    func wakeDriver() {
        if let waiter = driverWaiter {
            driverWaiter = nil
            waiter.resume()
        } else {
            driverSignalled = true
        }
    }

    private func waitForSignal() async {
        if driverSignalled {
            driverSignalled = false
            return
        }
        await withCheckedContinuation { driverWaiter = $0 }
        driverSignalled = false
    }

    func handle(_ event: LoopEvent, _ group: inout DiscardingTaskGroup) {
        switch event {
        case .wake:
            break
        case .cancel:
            beginStopping(.cancel, &group)
        case .executionTimeout:
            let limit = plan.timeout.map { "\($0)" } ?? "its limit"
            let error = ExecutionError(
                code: "TIMEOUT", message: "the execution exceeded its timeout of \(limit)",
                timestamp: clock.date(at: clock.now()), recoverable: false)
            beginStopping(.fail(error), &group)
        case .graceExpired:
            if let stopping, !status.isFinal { finishStopping(stopping) }
        case .restore(let checkpoint):
            beginStopping(.restore(checkpoint), &group)
        case .checkpointTimer:
            if status == .running { automaticCheckpoint(reason: "interval") }
        }
    }

    /// Cancels running attempts and waits for them (up to the grace period, except for a restore).
    func beginStopping(_ reason: StopReason, _ group: inout DiscardingTaskGroup) {
        // Anything replaces a pending restore (a newer restore, a cancel, a failure); a cancel or
        // a failure under way stays.
        if let current = stopping {
            guard case .restore = current else { return }
        }
        stopping = reason
        let waiters = pauseWaiters
        pauseWaiters.removeAll()
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
        group.cancelAll()
        if case .restore = reason { return }
        if counters.inFlight > 0 {
            // Outside the group, which is cancelled now: an owned timer that only wakes the driver.
            let grace = configuration.cancelGracePeriod
            let clock = self.clock
            graceTimer = Task { [weak self] in
                try? await clock.sleep(for: grace)
                await self?.signal(.graceExpired)
            }
        }
    }

    func finishStopping(_ reason: StopReason) {
        switch reason {
        case .cancel:
            finalize(.cancelled)
        case .fail(let failure):
            if error == nil { error = failure }
            finalize(.failed)
        case .restore:
            break  // drive() applies it once this epoch's group has exited
        }
    }

    /// Ends the execution with a final status.
    func finalize(_ reached: ExecutionStatus) {
        guard !status.isFinal else { return }
        // After a failed commit no end is durable: the execution ends with the failure to record it.
        var final = reached
        if let failure = pipeline.failure {
            final = .failed
            error = failure
        }
        let now = clock.now()
        counters.endPause(at: now)
        status = final
        // What is committed but not yet published goes out with the final update, and the final
        // event goes out once, in it: monitors are detached before it is recorded.
        let unpublished = timeline.committed
        let listeners = isJournaling ? [] : Array(monitors.values)
        if !isJournaling { monitors.removeAll() }
        switch final {
        case .completed:
            record(.executionCompleted, "execution completed")
        case .cancelled:
            record(.executionCancelled, "execution cancelled")
        default:
            if error == nil, let failed = firstFailure {
                error = failed
            }
            record(
                .executionFailed, "execution failed" + (error.map { ": \($0.message)" } ?? ""),
                data: error.map { ["code": .string($0.code)] })
        }
        timeline.seal()
        counters.completedAt = now
        graceTimer?.cancel()
        graceTimer = nil
        if isJournaling {
            // The final result, with the live figures: the batch that carries it commits them.
            pipeline.batch.finalResult = makeResult(
                counters: capturedCounters(includingCurrentTask: false), timeline: [])
            // Monitors (including ones that start meanwhile) hear of the end once it is committed.
            pipeline.finalPending = true
            scheduleCommit()
            return
        }
        let fresh = timeline.committed(from: unpublished)
        announceFinal(to: listeners, events: fresh.events, messages: fresh.messages)
    }

    /// Sends the final update (with the given events and messages, which its listeners have not
    /// seen) and wakes everyone waiting for the end.
    func announceFinal(to listeners: [UpdateChannel], events: [ExecutionEvent], messages: [ExecutionMessage]) {
        let result = result()
        let finalUpdate = update(events: events, messages: messages)
        for channel in listeners {
            channel.send(finalUpdate, final: true)
        }
        let waiters = finalWaiters
        finalWaiters.removeAll()
        for waiter in waiters { waiter.resume(returning: result) }
        let pauses = pauseWaiters
        pauseWaiters.removeAll()
        for waiter in pauses { waiter.resume(throwing: CancellationError()) }
    }

    private func addExecutionTimer(_ timeout: Duration, to group: inout DiscardingTaskGroup) {
        group.addTask { [self] in
            // Active time only: the timer sleeps again for whatever the pauses added.
            while true {
                let remaining = timeout - (await activeElapsed())
                if remaining <= .zero { break }
                do { try await clock.sleep(for: remaining) } catch { return }
            }
            await signal(.executionTimeout)
        }
    }

    private func addCheckpointTimer(_ interval: Duration, to group: inout DiscardingTaskGroup) {
        group.addTask { [self] in
            while true {
                do { try await clock.sleep(for: interval) } catch { return }
                await signal(.checkpointTimer)
            }
        }
    }
}

/// What a worker reports when it asks for its next step.
enum WorkerReport: Sendable {
    /// How the attempt of the task at this index ended.
    case attempt(Int, AttemptOutcome)
    /// The commit it was handed is durable (no error) or failed.
    case committed(CommitPipeline.Ticket, (any Error)?)
}

/// What a worker does next.
enum WorkerStep: Sendable {
    /// Run this attempt.
    case run(AttemptJob)
    /// Write this batch to the journal.
    case commit(JournalBatch, CommitPipeline.Ticket, any ExecutionJournal)
    /// Leave: nothing to do.
    case stop
}

/// One attempt handed to a worker.
struct AttemptJob: Sendable {
    var index: Int
    var body: TaskBody
    var context: ExecutionTaskContext
    var timeout: Duration?
    var recoveries: Int
    var requirements: [ResourceRequirement]
}
