extension Execution {
    /// Runs the execution to its end (or until it stops for good); returns when the loop exits.
    func run() async {
        guard status == .pending else { return }
        startedAt = clock.now()
        status = .running
        record(
            .executionStarted, "execution of plan '\(plan.id)' started",
            data: ["planId": .string(plan.id), "totalTasks": .int(plan.tasks.count)])
        await drive()
    }

    /// Runs epochs of the scheduling loop: one, or more when checkpoints are restored.
    func drive() async {
        while true {
            let (events, input) = AsyncStream.makeStream(of: LoopEvent.self)
            self.input = input
            await withDiscardingTaskGroup { group in
                if let timeout = plan.timeout { addExecutionTimer(timeout, to: &group, input: input) }
                if let interval = configuration.checkpointPolicy.interval {
                    addCheckpointTimer(interval, to: &group, input: input)
                }
                if cancelRequested { handle(.cancel, &group) }
                advance(&group)
                if !isLoopDone {
                    for await event in events {
                        handle(event, &group)
                        advance(&group)
                        if isLoopDone { break }
                    }
                }
                group.cancelAll()
            }
            input.finish()
            self.input = nil
            guard case .restore(let checkpoint) = stopping else { return }
            applyRestore(checkpoint)
        }
    }

    /// The loop of this epoch is over: the execution is final, or a restore can proceed.
    var isLoopDone: Bool {
        if status.isFinal { return true }
        if case .restore = stopping { return inFlight == 0 }
        return false
    }

    /// Starts what may start, and finishes the execution when nothing is left.
    func advance(_ group: inout DiscardingTaskGroup) {
        if let stopping {
            if inFlight == 0 { finishStopping(stopping) }
            return
        }
        if status == .running {
            while let index = scheduler.startNext() { startAttempt(index, &group) }
        }
        // A paused execution stays paused even with nothing left to run; it completes on resume.
        if scheduler.isFinished && inFlight == 0 && status == .running {
            finalize(anyTaskFailed ? .failed : .completed)
        }
    }

    func handle(_ event: LoopEvent, _ group: inout DiscardingTaskGroup) {
        switch event {
        case .attemptEnded(let index, let attemptEpoch, let outcome):
            endAttempt(index)
            guard attemptEpoch == epoch, !status.isFinal else { return }
            handleOutcome(index, outcome)
            if let reason = pendingStop {
                pendingStop = nil
                beginStopping(reason, &group)
            }
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
            if status == .running { _ = makeCheckpoint(reason: "interval") }
        }
    }

    /// Cancels running attempts and waits for them (up to the grace period, except for a restore).
    func beginStopping(_ reason: StopReason, _ group: inout DiscardingTaskGroup) {
        if case .restore = reason {} else if stopping != nil { return }
        stopping = reason
        let waiters = pauseWaiters
        pauseWaiters.removeAll()
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
        group.cancelAll()
        if case .restore = reason { return }
        if inFlight > 0, let input {
            // Outside the group, which is cancelled now: an owned timer that only wakes the loop.
            let grace = configuration.cancelGracePeriod
            let clock = self.clock
            graceTimer = Task {
                try? await clock.sleep(for: grace)
                input.yield(.graceExpired)
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
    func finalize(_ final: ExecutionStatus) {
        guard !status.isFinal else { return }
        let now = clock.now()
        if let since = pausedSince {
            pausedTotal += now - since
            pausedSince = nil
        }
        status = final
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
        completedAt = now
        graceTimer?.cancel()
        graceTimer = nil
        let result = result()
        for channel in monitors.values {
            channel.send(update(events: [], messages: []), final: true)
        }
        monitors.removeAll()
        let waiters = finalWaiters
        finalWaiters.removeAll()
        for waiter in waiters { waiter.resume(returning: result) }
        let pauses = pauseWaiters
        pauseWaiters.removeAll()
        for waiter in pauses { waiter.resume(throwing: CancellationError()) }
    }

    private func addExecutionTimer(
        _ timeout: Duration, to group: inout DiscardingTaskGroup, input: AsyncStream<LoopEvent>.Continuation
    ) {
        group.addTask { [self] in
            // Active time only: the timer sleeps again for whatever the pauses added.
            while true {
                let remaining = timeout - (await activeElapsed())
                if remaining <= .zero { break }
                do { try await clock.sleep(for: remaining) } catch { return }
            }
            input.yield(.executionTimeout)
        }
    }

    private func addCheckpointTimer(
        _ interval: Duration, to group: inout DiscardingTaskGroup, input: AsyncStream<LoopEvent>.Continuation
    ) {
        group.addTask { [clock] in
            while true {
                do { try await clock.sleep(for: interval) } catch { return }
                input.yield(.checkpointTimer)
            }
        }
    }
}
