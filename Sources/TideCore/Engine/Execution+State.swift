import Synchronization

extension Execution {
    /// The execution's state as a checkpoint records it; without its task lists (completed tasks
    /// and task states) when `withTasks` is false (a delta record lists what changed instead).
    func currentState(withTasks: Bool = true) -> ExecutionState {
        var taskStates: [String: JSONValue] = [:]
        if withTasks {
            for (index, record) in records.enumerated() where record.state != .null {
                taskStates[plan.tasks[index].id] = record.state
            }
        }
        var allocations: [String: Resource] = [:]
        for index in holding {
            for resource in records[index].resources { allocations[resource.id] = resource }
        }
        let current = currentTaskIndex().map { plan.tasks[$0].id }
        return ExecutionState(
            currentTaskId: current, completedTasks: withTasks ? completionOrder.map { plan.tasks[$0].id } : [],
            taskStates: taskStates,
            resourceAllocations: allocations, variables: variables)
    }

    /// Takes a checkpoint now, without stopping anything; records `CHECKPOINT_CREATED` and
    /// returns the checkpoint's id.
    ///
    /// The checkpoint is kept as a record of what changed since the checkpoint the state descends
    /// from (``CheckpointRecord``), built from what ``checkpointTracker`` saw: its cost is what
    /// changed, not the size of the execution. Every ``CheckpointRecord/wholeEvery``-th one is whole.
    @discardableResult
    func makeCheckpoint(reason: String, metadata: [String: JSONValue] = [:]) -> String {
        var metadata = metadata
        metadata["reason"] = metadata["reason"] ?? .string(reason)  // a task's own reason wins
        let checkpointId = "\(id)-cp\(checkpointRecords.count + 1)"
        let timestamp = clock.date(at: clock.now())
        let record: CheckpointRecord
        if checkpointTracker.nextIsDelta, let base = checkpointTracker.base {
            var results: [String: JSONValue] = [:]
            let completedSince = completionOrder[min(checkpointTracker.completedFrom, completionOrder.count)...]
            for index in completedSince {
                results[plan.tasks[index].id] = records[index].result ?? .null
            }
            var changed: [String: JSONValue] = [:]
            var removed: [String] = []
            var patches: [String: CheckpointRecord.Patch] = [:]
            for index in checkpointTracker.states {
                let taskId = plan.tasks[index].id
                let state = records[index].state
                if state == .null {
                    removed.append(taskId)
                } else if let patch = CheckpointRecord.Patch(from: checkpointTracker.baseStates[index], to: state) {
                    patches[taskId] = patch
                } else {
                    changed[taskId] = state
                }
            }
            record = CheckpointRecord(
                id: checkpointId, timestamp: timestamp, base: base.id, depth: base.depth + 1,
                state: currentState(withTasks: false),
                completedAdded: completedSince.map { plan.tasks[$0].id },
                results: results, statesChanged: changed, statesRemoved: removed.sorted(), statePatches: patches,
                variables: checkpointTracker.variablesChanged ? variables : nil, metadata: metadata)
        } else {
            var results: [String: JSONValue] = [:]
            for index in completionOrder {
                results[plan.tasks[index].id] = records[index].result ?? .null
            }
            metadata["results"] = .object(results)
            record = CheckpointRecord(
                whole: ExecutionCheckpoint(
                    id: checkpointId, executionId: id, timestamp: timestamp, state: currentState(), metadata: metadata))
        }
        checkpointRecords.append(record)
        checkpointTracker.start(from: (checkpointId, record.depth), completedCount: completionOrder.count)
        checkpointsTaken.add(1, ordering: .relaxed)
        if isJournaling { pipeline.batch.checkpoints.append(record) }
        self.record(
            .checkpointCreated, "checkpoint \(checkpointId) created (\(reason))",
            data: ["checkpointId": .string(checkpointId), "completedTasks": .int(completionOrder.count)])
        return checkpointId
    }

    /// Takes the checkpoints a resumed execution had as its own; the next one is whole (the state
    /// a resume starts from is not any checkpoint's).
    func adopt(_ loaded: [ExecutionCheckpoint]) {
        var previous: ExecutionCheckpoint?
        for checkpoint in loaded {
            let record =
                previous.map { CheckpointRecord(checkpoint, after: $0, baseDepth: checkpointRecords.last?.depth ?? 0) }
                ?? CheckpointRecord(whole: checkpoint)
            checkpointRecords.append(record)
            previous = checkpoint
        }
        checkpointTracker.start(from: nil, completedCount: completionOrder.count)
    }

    /// Every checkpoint taken, whole, oldest first (folded from the records: for the API, not the loop).
    var checkpoints: [ExecutionCheckpoint] { CheckpointRecord.fold(checkpointRecords) }

    /// The last checkpoint taken, whole.
    func latestCheckpoint() -> ExecutionCheckpoint? {
        checkpointRecords.last.flatMap { checkpoint($0.id) }
    }

    /// The ids of the checkpoints taken, oldest first.
    var checkpointIds: [String] { checkpointRecords.map(\.id) }

    /// One checkpoint, whole: its record applied on the chain of bases back to a whole one.
    func checkpoint(_ checkpointId: String) -> ExecutionCheckpoint? {
        var byId: [String: CheckpointRecord] = [:]
        for record in checkpointRecords { byId[record.id] = record }
        var chain: [CheckpointRecord] = []
        var next: String? = checkpointId
        while let current = next, let record = byId[current] {
            chain.append(record)
            next = record.base
        }
        guard chain.last?.base == nil else { return nil }
        return CheckpointRecord.fold(chain.reversed()).last
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
        // The state is now the checkpoint's: the next checkpoint is a delta of it.
        let depth = checkpointRecords.last { $0.id == checkpoint.id }?.depth
        checkpointTracker.start(from: depth.map { (checkpoint.id, $0) }, completedCount: completionOrder.count)
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
