import Synchronization

extension Execution {
    /// The execution's state as a checkpoint records it.
    func currentState() -> ExecutionState {
        var taskStates: [String: JSONValue] = [:]
        for (index, record) in records.enumerated() where record.state != .null {
            taskStates[plan.tasks[index].id] = record.state
        }
        var allocations: [String: Resource] = [:]
        for index in holding {
            for resource in records[index].resources { allocations[resource.id] = resource }
        }
        let current = currentTaskIndex().map { plan.tasks[$0].id }
        return ExecutionState(
            currentTaskId: current, completedTasks: completionOrder.map { plan.tasks[$0].id }, taskStates: taskStates,
            resourceAllocations: allocations, variables: variables)
    }

    /// Takes a checkpoint now, without stopping anything; records `CHECKPOINT_CREATED`.
    func makeCheckpoint(reason: String, metadata: [String: JSONValue] = [:]) -> ExecutionCheckpoint {
        var results: [String: JSONValue] = [:]
        for index in completionOrder {
            results[plan.tasks[index].id] = records[index].result ?? .null
        }
        var metadata = metadata
        metadata["reason"] = metadata["reason"] ?? .string(reason)  // a task's own reason wins
        metadata["results"] = .object(results)
        let now = clock.now()
        let checkpoint = ExecutionCheckpoint(
            id: "\(id)-cp\(checkpoints.count + 1)", executionId: id, timestamp: clock.date(at: now),
            state: currentState(), metadata: metadata)
        checkpoints.append(checkpoint)
        checkpointsTaken.add(1, ordering: .relaxed)
        if isJournaling { pipeline.batch.checkpoints.append(checkpoint) }
        record(
            .checkpointCreated, "checkpoint \(checkpoint.id) created (\(reason))",
            data: ["checkpointId": .string(checkpoint.id), "completedTasks": .int(completionOrder.count)])
        return checkpoint
    }

    /// Puts a rollback to `checkpoint` into the next batch: tasks it does not keep lose their
    /// outcome (also updates of them gathered in this batch), states and variables become its own.
    func journalRollback(to checkpoint: ExecutionCheckpoint) {
        guard isJournaling else { return }
        let kept = Set(checkpoint.state.completedTasks)
        pipeline.batch.rewind = JournalBatch.Rewind(keeping: kept, states: checkpoint.state.taskStates)
        pipeline.batch.variables = checkpoint.state.variables
        for (taskId, update) in pipeline.batch.tasks where !kept.contains(taskId) && update.outcome != nil {
            pipeline.batch.tasks[taskId] = nil
        }
    }

    /// Whether the execution can go back to a checkpoint now.
    func canRestore() -> Bool { status != .pending && status != .completed }

    /// Asks a running loop to go back to `checkpoint` (running or paused executions).
    func requestRestore(_ checkpoint: ExecutionCheckpoint) {
        signal(.restore(checkpoint))
    }

    /// Resets the execution to `checkpoint`: its completed tasks stay done with their results,
    /// everything else runs again; task states and variables are the checkpoint's.
    func applyRestore(_ checkpoint: ExecutionCheckpoint) {
        epoch += 1
        let completed = checkpoint.state.completedTasks.compactMap { indexById[$0] }
        scheduler.restore(completed: Set(completed))
        completionOrder = completed
        let results = checkpoint.metadata["results"]
        for index in records.indices {
            let taskId = plan.tasks[index].id
            records[index].result = completed.contains(index) ? (results?[taskId] ?? .null) : nil
            records[index].state = checkpoint.state.taskStates[taskId] ?? .null
            records[index].useFallback = false
            // Recovery decisions keep counting across restores, as across resumes: a strategy's cap
            // ("restore 3 times") must end a loop of restores.
        }
        variables = checkpoint.state.variables
        // The rollback is durable with the next commit: a resume after a crash starts from it.
        journalRollback(to: checkpoint)
        stopping = nil
        pendingStop = nil
        // A cancel asked for during the restore still holds; one from before an end does not.
        if status.isFinal { cancelRequested = false }
        error = nil
        firstFailure = nil
        anyTaskFailed = false
        counters.completedAt = nil
        timeline.unseal()
        if status.isFinal || status == .paused { counters.endPause(at: clock.now()) }
        status = .running
        record(
            .recoveryInitiated, "restored from checkpoint \(checkpoint.id): \(completed.count) task(s) stay completed",
            data: ["checkpointId": .string(checkpoint.id), "action": "CHECKPOINT_RESTORE"])
    }

}
