import Foundation

/// A task attempt ran past its timeout, which fell due at `deadline` (engine time): the failure
/// and its `TASK_FAILED` event carry that instant, however long the body takes to stop.
struct AttemptTimedOut: Error {
    let deadline: Duration
}

extension Execution {
    /// Does the bookkeeping of starting an attempt of task `index` and returns it for a worker.
    func prepareAttempt(_ index: Int) -> AttemptJob {
        // Fields are read in place: copying a whole PlanTask per attempt shows in the profile.
        let taskId = plan.tasks[index].id
        records[index].attempts += 1
        let attempt = records[index].attempts
        let now = clock.now()
        counters.attemptStarted(at: now)
        runningSince[index] = now
        if !monitors.isEmpty { runningOrder.append((index, now)) }
        records[index].attemptStartedActive = activeNow(at: now)
        let fallback = records[index].useFallback
        if attempt == 1 && !fallback {
            record(.taskStarted, taskId: taskId, at: now)
        } else {
            record(
                .taskStarted, "task '\(taskId)' started (attempt \(attempt))", taskId: taskId,
                data: fallback ? ["attempt": .int(attempt), "fallback": true] : ["attempt": .int(attempt)], at: now)
        }
        var upstream: [String: JSONValue] = [:]
        for dependency in scheduler.dependencies(of: index) {
            if let result = records[dependency].result { upstream[plan.tasks[dependency].id] = result }
        }
        let context = ExecutionTaskContext(
            execution: self, executionId: id, taskId: taskId, index: index, attempt: attempt, upstreamResults: upstream)
        let body = fallback ? (plan.tasks[index].fallback ?? plan.tasks[index].body) : plan.tasks[index].body
        return AttemptJob(
            index: index, body: body, context: context, timeout: plan.tasks[index].timeout,
            recoveries: records[index].recoveries, requirements: plan.tasks[index].resources)
    }

    /// Bookkeeping when any attempt ends, current or stale.
    @discardableResult
    func endAttempt(_ index: Int) -> Duration {
        let now = clock.now()
        counters.attemptEnded(at: now, activeTime: records[index].attemptStartedActive.map { activeNow(at: now) - $0 })
        records[index].attemptStartedActive = nil
        runningSince[index] = nil
        releaseResources(of: index, at: now)
        return now
    }

    /// Records resources granted to the attempt of task `index` (`RESOURCE_ALLOCATED` each).
    func resourcesGranted(_ index: Int, _ granted: [Resource]) {
        records[index].resources = granted
        records[index].activeAtGrant = activeNow()
        recordGrants(index, granted)
    }

    /// Marks task `index` as holding resources and records `RESOURCE_ALLOCATED` for each grant.
    private func recordGrants(_ index: Int, _ granted: [Resource]) {
        if !granted.isEmpty { holding.insert(index) }
        let taskId = plan.tasks[index].id
        for resource in granted {
            record(
                .resourceAllocated, "\(resource.amount) \(resource.type) allocated to '\(taskId)'", taskId: taskId,
                data: ["resourceId": .string(resource.id), "amount": .double(resource.amount)])
        }
    }

    /// Releases what the attempt of task `index` holds (`RESOURCE_RELEASED` each) and keeps the usage.
    ///
    /// - Parameter only: Release just these ids (a body's `release`); all held ones when `nil`.
    func releaseResources(of index: Int, at now: Duration, only: Set<String>? = nil) {
        let held = records[index].resources.filter { only?.contains($0.id) ?? true }
        guard !held.isEmpty else { return }
        let activeNow = activeNow(at: now)
        var busy: [String: Duration] = [:]
        for resource in held {
            let since = records[index].grantedInTask[resource.id] ?? records[index].activeAtGrant
            busy[resource.id] = max(.zero, activeNow - since)
        }
        for usage in resources.release(held.map(\.id), busy: busy) {
            usages.append(usage)
            if isJournaling { pipeline.batch.resourceUsage.append(usage) }
            counters.released(usage)
        }
        let taskId = plan.tasks[index].id
        for resource in held {
            record(
                .resourceReleased, "\(resource.amount) \(resource.type) released by '\(taskId)'", taskId: taskId,
                data: ["resourceId": .string(resource.id)])
        }
        if let only {
            records[index].resources.removeAll { only.contains($0.id) }
            for id in only { records[index].grantedInTask[id] = nil }
        } else {
            records[index].resources.removeAll()
            records[index].grantedInTask.removeAll()
        }
        if records[index].resources.isEmpty { holding.remove(index) }
    }

    /// Records resources a running body allocated itself; they are released with the attempt's own.
    /// Each grant adds two events (its allocation and its release), counted against
    /// ``ExecutionLimits/maxEvents`` like the body's own events.
    ///
    /// - Returns: `false` (after giving them back) if attempt `attempt` of the task is no longer running.
    /// - Throws: ``TideError`` `QUOTA_EXCEEDED` (after giving them back) past the quota.
    func resourcesGrantedInTask(_ index: Int, attempt: Int, _ granted: [Resource]) throws(TideError) -> Bool {
        guard records[index].attempts == attempt, runningSince[index] != nil, counters.completedAt == nil else {
            _ = resources.release(granted.map(\.id))
            return false
        }
        if let limit = quotas.admitEvents(2 * granted.count) {
            _ = resources.release(granted.map(\.id))
            try refuse(limit, taskId: plan.tasks[index].id)
        }
        let activeNow = activeNow()
        records[index].resources += granted
        for resource in granted { records[index].grantedInTask[resource.id] = activeNow }
        recordGrants(index, granted)
        return true
    }

    /// Releases resources a running body holds, by id.
    ///
    /// - Throws: ``TideError`` `UNKNOWN_RESOURCE` (releasing nothing) if an id is not held by the task.
    func releaseInTask(_ index: Int, _ ids: [String]) throws(TideError) {
        let held = Set(records[index].resources.map(\.id))
        let unknown = ids.filter { !held.contains($0) }
        guard unknown.isEmpty else {
            throw TideError(
                .unknownResource,
                "task '\(plan.tasks[index].id)' holds no resource \(unknown.map { "'\($0)'" }.joined(separator: ", "))"
                    + (held.isEmpty ? "" : "; it holds \(held.sorted().map { "'\($0)'" }.joined(separator: ", "))"))
        }
        releaseResources(of: index, at: clock.now(), only: Set(ids))
    }

    /// Runs one attempt off the actor: allocates its resources (waiting if it must), then runs it.
    nonisolated func runJob(_ job: AttemptJob) async -> AttemptOutcome {
        if !job.requirements.isEmpty {
            do {
                // The task's timeout also bounds how long it waits for its resources.
                let granted = try await resources.allocate(
                    job.requirements, taskId: job.context.taskId, timeout: job.timeout)
                await resourcesGranted(job.index, granted)
            } catch {
                if Task.isCancelled || error is CancellationError { return .cancelled }
                return await failed(error, context: job.context, timeout: nil, recoveries: job.recoveries)
            }
        }
        return await runAttempt(job.body, context: job.context, timeout: job.timeout, recoveries: job.recoveries)
    }

    /// The outcome of an attempt that threw `error`, with recovery's decision.
    nonisolated func failed(_ error: any Error, context: ExecutionTaskContext, timeout: Duration?, recoveries: Int)
        async
        -> AttemptOutcome
    {
        let failure = classify(error, taskId: context.taskId, timeout: timeout)
        return .failed(failure, await decide(failure, index: context.index, recoveries: recoveries))
    }

    /// Runs a body once, off the actor, with its timeout; on failure, asks recovery what to do.
    nonisolated func runAttempt(
        _ body: TaskBody, context: ExecutionTaskContext, timeout: Duration?, recoveries: Int
    ) async -> AttemptOutcome {
        do {
            let value: JSONValue
            if let timeout {
                value = try await run(body, context: context, timeout: timeout)
            } else {
                value = try await body.run(context)
            }
            // A quota the body went past fails the attempt, even if the body caught the error.
            if let failure = context.failure {
                return await failed(failure, context: context, timeout: timeout, recoveries: recoveries)
            }
            return .completed(value)
        } catch {
            if Task.isCancelled { return .cancelled }
            return await failed(
                context.failure ?? error, context: context, timeout: timeout, recoveries: recoveries)
        }
    }

    private nonisolated func run(_ body: TaskBody, context: ExecutionTaskContext, timeout: Duration) async throws
        -> JSONValue
    {
        let started = await activeNow()
        return try await withThrowingTaskGroup(of: JSONValue.self) { group in
            group.addTask { try await body.run(context) }
            group.addTask { [self] in
                while true {
                    let now = clock.now()
                    let remaining = timeout - (await activeNow(at: now) - started)
                    if remaining <= .zero { throw AttemptTimedOut(deadline: now + remaining) }
                    try await clock.sleep(for: remaining)
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    private nonisolated func classify(_ error: any Error, taskId: String, timeout: Duration?) -> ExecutionError {
        let now = clock.date(at: clock.now())
        switch error {
        case var failure as ExecutionError:
            failure.taskId = failure.taskId ?? taskId
            return failure
        case let timedOut as AttemptTimedOut:
            return ExecutionError(
                code: "TIMEOUT", message: "task '\(taskId)' exceeded its timeout of \(timeout.map { "\($0)" } ?? "?")",
                taskId: taskId, timestamp: clock.date(at: timedOut.deadline), recoverable: true)
        case let error as any ExecutionErrorConvertible:
            var failure = error.executionError
            failure.taskId = failure.taskId ?? taskId
            return failure
        default:
            return ExecutionError(
                code: "TASK_ERROR", message: String(describing: error), taskId: taskId, timestamp: now,
                recoverable: false)
        }
    }

    /// Asks the first applicable strategy (in registration order) what to do about a failure.
    private nonisolated func decide(_ failure: ExecutionError, index: Int, recoveries: Int) async -> RecoveryDecision {
        guard recoveries < configuration.maxRecoveryAttempts else {
            return recovery.strategies(for: failure.code).isEmpty ? .none : .limitReached
        }
        let candidates = recovery.strategies(for: failure.code)
        guard !candidates.isEmpty else { return .none }
        let context = await recoveryContext(for: failure, attempt: recoveries)
        // The first strategy that does not decline decides (registration order).
        for strategy in candidates {
            do {
                let result = try await strategy.execute(context)
                if let problem = problem(with: result, taskIndex: index) {
                    return .strategyFailed(recoveryFailure(strategy, problem, failure))
                }
                return .decided(result, strategyId: strategy.id, version: strategy.version)
            } catch is RecoveryDeclined {
                continue
            } catch {
                if Task.isCancelled { return .none }
                return .strategyFailed(recoveryFailure(strategy, "it threw: \(error)", failure))
            }
        }
        return .none
    }

    private nonisolated func recoveryFailure(
        _ strategy: any RecoveryStrategy, _ problem: String, _ failure: ExecutionError
    ) -> ExecutionError {
        let name = strategy.version.map { "'\(strategy.id)' (version \($0))" } ?? "'\(strategy.id)'"
        var context: [String: JSONValue] = [
            "strategyId": .string(strategy.id), "originalCode": .string(failure.code),
            "originalMessage": .string(failure.message),
        ]
        if let version = strategy.version { context["strategyVersion"] = .string(version) }
        return ExecutionError(
            code: "RECOVERY_FAILED", message: "recovery strategy \(name) failed: \(problem)",
            taskId: failure.taskId, timestamp: clock.date(at: clock.now()), recoverable: false, context: context)
    }

    /// What is wrong with a strategy's answer, if anything.
    private nonisolated func problem(with result: RecoveryResult, taskIndex: Int) -> String? {
        if result.action == .fallback, plan.tasks[taskIndex].fallback == nil {
            return "it answered FALLBACK, but task '\(plan.tasks[taskIndex].id)' has no fallback"
        }
        if let state = result.newState {
            let unknown = (state.completedTasks + Array(state.taskStates.keys)).filter { indexById[$0] == nil }
            if let first = unknown.first {
                return "its newState names task '\(first)', which is not in the plan"
            }
        }
        return nil
    }

    func recoveryContext(for failure: ExecutionError, attempt: Int) -> RecoveryContext {
        RecoveryContext(
            executionId: id, error: failure, state: currentState(), plan: plan,
            resources: records.flatMap(\.resources), attempt: attempt)
    }

    /// Applies how an attempt ended.
    func handleOutcome(_ index: Int, _ outcome: AttemptOutcome, at time: Duration? = nil) {
        let taskId = plan.tasks[index].id  // not the whole PlanTask: this runs per attempt
        switch outcome {
        case .completed(let value):
            records[index].result = value
            completionOrder.append(index)
            if isJournaling {
                // Dependents start only once this completion is committed (Execution+Journal.swift).
                scheduler.completeAwaitingCommit(index)
                pipeline.releaseAfterCommit(PendingRelease(index: index, epoch: epoch, kind: .completion))
                pipeline.batch.tasks[taskId] = TaskUpdate(
                    outcome: .completed, result: value, state: records[index].state)
            } else {
                scheduler.complete(index)
            }
            record(.taskCompleted, taskId: taskId, at: time)
            if let every = configuration.checkpointPolicy.everyTasks, every > 0, completionOrder.count % every == 0 {
                automaticCheckpoint(reason: "every \(every) tasks")
            }
        case .cancelled:
            record(.taskFailed, "task '\(taskId)' was cancelled", taskId: taskId, data: ["code": "CANCELLED"])
            if stopping == nil {
                let failure = ExecutionError(
                    code: "CANCELLED", message: "task '\(taskId)' was cancelled", taskId: taskId,
                    timestamp: clock.date(at: clock.now()))
                failForGood(index, failure)
            }
        case .failed(let failure, let decision):
            counters.attemptsFailed += 1
            record(
                .taskFailed, "task '\(taskId)' failed: \(failure.code): \(failure.message)", taskId: taskId,
                data: [
                    "code": .string(failure.code), "message": .string(failure.message),
                    "recoverable": .bool(failure.recoverable),
                ],
                // A timeout happened when it fell due, not when the body had wound down.
                stamped: failure.code == "TIMEOUT" ? failure.timestamp : nil)
            guard stopping == nil else { return }
            apply(decision, to: index, failure: failure)
        }
    }

    private func apply(_ decision: RecoveryDecision, to index: Int, failure: ExecutionError) {
        let taskId = plan.tasks[index].id  // not the whole PlanTask: this runs per attempt
        switch decision {
        case .none:
            failForGood(index, failure)
        case .strategyFailed(let recoveryError):
            record(.recoveryInitiated, recoveryError.message, taskId: taskId, data: ["success": false])
            failForGood(index, recoveryError)
        case .limitReached:
            log(
                .warning,
                "task '\(taskId)' reached the recovery limit (\(configuration.maxRecoveryAttempts) decisions): "
                    + "it fails for good", taskId: taskId, context: ["code": .string(failure.code)])
            failForGood(index, failure)
        case .decided(let result, let strategyId, let version):
            records[index].recoveries += 1
            if result.action == .checkpointRestore, isJournaling, let checkpoint = latestCheckpoint() {
                // The rollback is journaled with the decision itself, so that a crash before the
                // restore is applied still resumes from the checkpoint (set before the decision is
                // recorded: recording may start the commit that carries it).
                journalRollback(to: checkpoint)
            }
            var data: [String: JSONValue] = [
                "strategyId": .string(strategyId), "action": .string(result.action.rawValue),
                "success": .bool(result.success), "message": .string(result.message),
            ]
            if let version { data["strategyVersion"] = .string(version) }
            if let state = result.newState {
                data["newState"] = ["variables": .object(state.variables), "taskStates": .object(state.taskStates)]
            }
            let by = version.map { "'\(strategyId)' version \($0)" } ?? "'\(strategyId)'"
            record(
                .recoveryInitiated, "recovery \(by) chose \(result.action.rawValue) for '\(taskId)': \(result.message)",
                taskId: taskId, data: .object(data))
            switch result.action {
            case .retry:
                if let state = result.newState {
                    variables = state.variables
                    checkpointTracker.variablesDidChange()
                    for (taskId, taskState) in state.taskStates {
                        if let target = indexById[taskId] { setTaskState(target, taskState) }
                    }
                    if isJournaling { pipeline.batch.variables = variables }
                }
                requeue(index)
            case .fallback:
                records[index].useFallback = true
                requeue(index)
            case .skip:
                scheduler.skip(index)
                // Recorded, so that a resumed execution keeps the decision instead of asking again.
                if isJournaling { pipeline.batch.tasks[taskId, default: TaskUpdate()].outcome = .skipped }
            case .abort:
                failForGood(index, failure, abort: true)
            case .checkpointRestore:
                guard let checkpoint = latestCheckpoint() else {
                    let noCheckpoint = ExecutionError(
                        code: "RECOVERY_FAILED",
                        message:
                            "recovery strategy '\(strategyId)' chose CHECKPOINT_RESTORE, but the execution has no checkpoint",
                        taskId: taskId, timestamp: clock.date(at: clock.now()))
                    failForGood(index, noCheckpoint)
                    return
                }
                signal(.restore(checkpoint))
            }
        }
    }

    /// Queues a failed task for its next attempt; with a journal, once the failed attempt (its
    /// start, its failure and the decision) is committed, so that a process death leaves at most one
    /// uncommitted attempt per task (what keeps attempt numbers unique, ``ResumePoint/attemptFloor``)
    /// and a resumed execution counts the decision.
    private func requeue(_ index: Int) {
        guard isJournaling else {
            scheduler.requeue(index)
            return
        }
        scheduler.requeueAwaitingCommit(index)
        pipeline.releaseAfterCommit(PendingRelease(index: index, epoch: epoch, kind: .nextAttempt))
        scheduleCommit()
    }

    /// A task failed with no way to recover: apply the plan's failure policy.
    private func failForGood(_ index: Int, _ failure: ExecutionError, abort: Bool = false) {
        anyTaskFailed = true
        if firstFailure == nil { firstFailure = failure }
        let skipped = scheduler.fail(index)
        if plan.failurePolicy == .abort || abort {
            error = failure
            pendingStop = .fail(failure)
            wakeDriver()
            return
        }
        for dependent in skipped {
            record(
                .taskFailed,
                "task '\(plan.tasks[dependent].id)' skipped: its dependency '\(plan.tasks[index].id)' failed",
                taskId: plan.tasks[dependent].id, data: ["code": "SKIPPED"])
        }
    }
}

/// An error that knows its ``ExecutionError`` form (the Lua bridge's errors adopt it).
public protocol ExecutionErrorConvertible: Error {
    /// The error as the engine records it.
    var executionError: ExecutionError { get }
}
