import Foundation

/// Tide's engine: runs plans, keeps their state and history in memory (and, with an
/// ``ExecutionJournal``, durably), and answers the spec's calls.
///
/// ```swift
/// let engine = DefaultExecutionEngine()
/// let result = try await engine.execute(plan)
/// if result.status == .completed { print(result.metrics.totalDuration) }
/// ```
///
/// To control an execution while it runs, start it and keep its id:
///
/// ```swift
/// let id = try await engine.start(plan)
/// try await engine.pause(id)
/// try await engine.resume(id)
/// let result = try await engine.result(of: id)
/// ```
///
/// Each execution is its own actor; the engine only routes calls. An execution's loop runs in a
/// task the engine owns and keeps until the execution ends.
public actor DefaultExecutionEngine: ExecutionEngine {
    /// The engine's clock (injected for tests).
    public nonisolated let clock: EngineClock
    /// The engine's settings.
    public nonisolated let configuration: EngineConfiguration
    /// The registered recovery strategies.
    public nonisolated let recoveryStrategies = RecoveryRegistry()
    /// The resource pools and their allocations.
    public nonisolated let resources: ResourceManager

    private var executions: [String: Execution] = [:]
    private var drivers: [String: Task<Void, Never>] = [:]
    private var checkpointOwners: [String: String] = [:]
    private var subscriptions: [Subscription: Task<Void, Never>] = [:]
    private var externalUsage: [ResourceUsage] = []
    private var nextSubscription = 0
    /// Where executions are recorded durably, if anywhere.
    public nonisolated let journal: (any ExecutionJournal)?

    /// Creates an engine.
    ///
    /// - Parameters:
    ///   - clock: Where time comes from; tests pass a manual clock.
    ///   - configuration: Grace period, recovery cap, checkpoint policy.
    ///   - journal: Where to record executions durably (`TideStore`'s SQLite store); `nil` keeps
    ///     them in memory only. With a journal, a task's completion is committed before its
    ///     dependents start, and monitors see only committed events.
    public init(
        clock: EngineClock = .continuous, configuration: EngineConfiguration = EngineConfiguration(),
        journal: (any ExecutionJournal)? = nil
    ) {
        self.clock = clock
        self.journal = journal
        self.configuration = configuration
        self.resources = ResourceManager(
            pools: configuration.pools, clock: clock, agingInterval: configuration.agingInterval)
    }

    /// Validates `plan` and starts running it; returns its execution id at once.
    ///
    /// - Parameters:
    ///   - plan: The plan.
    ///   - executionId: The id to use; a new UUID by default.
    /// - Throws: ``TideError`` `INVALID_PLAN` with every problem, or `DUPLICATE_EXECUTION`.
    ///
    /// With a journal that has recorded this execution id before (a process running it died), the
    /// execution resumes from its last durable state instead of starting afresh.
    public func start(_ plan: ExecutionPlan, executionId: String? = nil) async throws -> String {
        var point: ResumePoint?
        if let executionId, let journal { point = try await journal.resumePoint(of: executionId) }
        return try await start(plan, executionId: executionId, resumingFrom: point)
    }

    /// Starts an execution again from a resume point (its last durable state, or a stored
    /// checkpoint): completed tasks keep their results and do not run again, the others run with
    /// their attempt numbers increased, and the timeline continues after the point's last event
    /// with a `RECOVERY_INITIATED` event.
    ///
    /// - Throws: ``TideError`` `INVALID_PLAN`, or `DUPLICATE_EXECUTION` if the id runs in this engine.
    public func start(_ plan: ExecutionPlan, executionId: String?, resumingFrom point: ResumePoint?) async throws
        -> String
    {
        let graph: PlanGraph
        do {
            graph = try plan.validatedGraph()
        } catch {
            throw TideError(.invalidPlan, error.description)
        }
        let id = executionId ?? UUID().uuidString.lowercased()
        guard executions[id] == nil else {
            throw TideError(.duplicateExecution, "an execution with id '\(id)' already exists", executionId: id)
        }
        let execution = Execution(
            id: id, plan: plan, graph: graph, clock: clock, recovery: recoveryStrategies, configuration: configuration,
            resources: resources, journal: journal, resumePoint: point)
        executions[id] = execution
        await execution.begin()
        drivers[id] = Task { await execution.drive() }
        return id
    }

    /// Waits for an execution to reach a final status and returns its result.
    public func result(of executionId: String) async throws -> ExecutionResult {
        let execution = try lookup(executionId)
        let result = await execution.finalResult()
        await remember(checkpointsOf: execution)
        return result
    }

    /// Runs a plan to its end.
    ///
    /// - Throws: ``TideError`` `INVALID_PLAN` before anything runs; a failed execution is not an
    ///   error: its result has status `FAILED` and an `error`.
    public func execute(_ plan: ExecutionPlan) async throws -> ExecutionResult {
        let id = try await start(plan)
        return try await result(of: id)
    }

    /// Runs a plan to its end under a given execution id; with a journal that knows the id, the
    /// execution resumes from its last durable state (completed tasks do not run again).
    public func execute(_ plan: ExecutionPlan, executionId: String) async throws -> ExecutionResult {
        let id = try await start(plan, executionId: executionId)
        return try await result(of: id)
    }

    /// Stops new tasks from starting in a running execution.
    public func pause(_ executionId: String) async throws {
        try await lookup(executionId).pause()
    }

    /// Lets a paused execution go on.
    public func resume(_ executionId: String) async throws {
        try await lookup(executionId).resume()
    }

    /// Cancels a pending, running or paused execution.
    public func cancel(_ executionId: String) async throws {
        try await lookup(executionId).cancel()
    }

    /// Changes how many tasks of an execution may run at once.
    public func setConcurrency(_ executionId: String, _ limit: Int) async throws {
        try await lookup(executionId).setConcurrency(limit)
    }

    /// The execution's current status; for a journaled execution, as of its last durable commit.
    public func getStatus(_ executionId: String) async throws -> ExecutionStatus {
        try await lookup(executionId).reportedStatus
    }

    /// The execution's result so far (running executions included), or `nil` for an unknown id.
    public func getResult(_ executionId: String) async -> ExecutionResult? {
        guard let execution = executions[executionId] else { return nil }
        return await execution.result()
    }

    /// A live stream of an execution's updates, starting with a snapshot of everything so far.
    public func monitor(_ executionId: String) async throws -> ExecutionUpdates {
        try await lookup(executionId).makeMonitor()
    }

    /// The events of an execution recorded after the one with id `sequence` (`0` for all), in order;
    /// for a journaled execution, only committed ones.
    ///
    /// Event ids are sequence numbers, so a reader that missed events (a monitor merges updates
    /// when its consumer is behind) can fetch exactly the ones it has not seen.
    public func events(of executionId: String, after sequence: Int = 0) async throws -> [ExecutionEvent] {
        try await lookup(executionId).events(after: sequence)
    }

    /// The messages of an execution after the first `count` (`0` for all), in order; for a journaled
    /// execution, only committed ones.
    public func messages(of executionId: String, after count: Int = 0) async throws -> [ExecutionMessage] {
        try await lookup(executionId).messages(after: count)
    }

    /// The figures alert conditions read (metrics, progress, running and queued tasks).
    public func sample(_ executionId: String) async throws -> ExecutionSample {
        try await lookup(executionId).sample()
    }

    /// The execution's resource usage so far (released allocations, then those still held).
    public func resourceUsage(of executionId: String) async throws -> [ResourceUsage] {
        try await lookup(executionId).resourceUsage()
    }

    /// Adds a message to an execution's log (alert handlers and hosts use it), within the plan's
    /// limits: a long text is cut to ``ExecutionLimits/maxMessageBytes``; past a message quota
    /// the message is dropped (the log says so once).
    public func log(_ executionId: String, _ level: MessageLevel, _ message: String) async throws {
        try await lookup(executionId).scriptLog(level, message, taskId: nil, context: nil)
    }

    /// Adds a custom event to an execution's timeline (alert handlers and hot-swap reports use it);
    /// past ``ExecutionLimits/maxEvents`` it is dropped (the log says so once).
    public func emit(_ executionId: String, _ description: String, data: JSONValue? = nil) async throws {
        try await lookup(executionId).scriptEmit(description, data: data, taskId: nil)
    }

    /// Takes a checkpoint of an execution now.
    public func createCheckpoint(_ executionId: String) async throws -> ExecutionCheckpoint {
        let execution = try lookup(executionId)
        let checkpointId = await execution.makeCheckpoint(reason: "requested")
        checkpointOwners[checkpointId] = executionId
        guard let checkpoint = await execution.checkpoint(checkpointId) else {
            throw TideError(.unknownCheckpoint, "checkpoint '\(checkpointId)' was taken but cannot be read back")
        }
        return checkpoint
    }

    /// The checkpoints of an execution, oldest first.
    public func checkpoints(of executionId: String) async throws -> [ExecutionCheckpoint] {
        try await lookup(executionId).checkpoints
    }

    /// Brings the checkpoint's execution back to it: tasks it lists as completed stay completed,
    /// the others run again. Works for running, paused, failed and cancelled executions.
    ///
    /// - Throws: ``TideError`` `UNKNOWN_CHECKPOINT`, or `ILLEGAL_TRANSITION` for a completed execution.
    public func restoreFromCheckpoint(_ checkpointId: String) async throws {
        var owner = checkpointOwners[checkpointId]
        if owner == nil {
            for (id, execution) in executions where await execution.checkpointIds.contains(checkpointId) {
                owner = id
            }
        }
        guard let owner, let execution = executions[owner], let checkpoint = await execution.checkpoint(checkpointId)
        else {
            throw TideError(.unknownCheckpoint, "no checkpoint has id '\(checkpointId)'")
        }
        let status = await execution.status
        guard await execution.canRestore() else {
            throw TideError(
                .illegalTransition, "cannot restore execution '\(owner)': it is \(status.rawValue)", executionId: owner)
        }
        if status.isFinal {
            // The old loop has ended (its stragglers may still be winding down in its task); its end
            // is committed before the execution runs again.
            await execution.drainJournal()
            await execution.applyRestore(checkpoint)
            let previous = drivers[owner]
            drivers[owner] = Task {
                await previous?.value
                await execution.drive()
            }
        } else {
            await execution.requestRestore(checkpoint)
        }
    }

    /// Registers a recovery strategy; executions already running use it from their next failure.
    public nonisolated func addRecoveryStrategy(_ strategy: any RecoveryStrategy) {
        recoveryStrategies.add(strategy)
    }

    /// Unregisters a recovery strategy.
    public nonisolated func removeRecoveryStrategy(_ strategyId: String) {
        recoveryStrategies.remove(id: strategyId)
    }

    /// Allocates resources outside any task, waiting until they are free (see ``ResourceManager``).
    ///
    /// - Throws: ``TideError`` `RESOURCE_UNAVAILABLE` for a request that can never be met,
    ///   `INVALID_RESOURCE_REQUEST` for a malformed one.
    public func allocateResources(_ requirements: [ResourceRequirement]) async throws -> [Resource] {
        try await resources.allocate(requirements)
    }

    /// Releases resources allocated with ``allocateResources(_:)``; all ids must be held, or nothing
    /// is released.
    ///
    /// - Throws: ``TideError`` `UNKNOWN_RESOURCE`.
    public func releaseResources(_ resourceIds: [String]) async throws {
        guard resources.holds(resourceIds) else {
            throw TideError(.unknownResource, "not every id in \(resourceIds) names a held resource")
        }
        externalUsage += resources.release(resourceIds)
    }

    /// Usage records of allocations made and released outside executions.
    public func releasedResourceUsage() -> [ResourceUsage] { externalUsage }

    /// Calls `callback` with each update of the execution, from a task the engine owns, until the
    /// execution ends or the subscription is cancelled. A slow callback never slows the execution:
    /// updates it has not taken yet are merged.
    public func subscribe(_ executionId: String, _ callback: @escaping @Sendable (ExecutionUpdate) -> Void) async throws
        -> Subscription
    {
        let updates = try await monitor(executionId)
        nextSubscription += 1
        let subscription = Subscription(id: nextSubscription)
        subscriptions[subscription] = Task {
            for await update in updates {
                if Task.isCancelled { break }
                callback(update)
            }
        }
        return subscription
    }

    /// Stops a subscription's callbacks.
    public func unsubscribe(_ executionId: String, _ subscription: Subscription) async {
        subscriptions.removeValue(forKey: subscription)?.cancel()
    }

    private func lookup(_ executionId: String) throws(TideError) -> Execution {
        guard let execution = executions[executionId] else {
            throw TideError(.unknownExecution, "no execution has id '\(executionId)'", executionId: executionId)
        }
        return execution
    }

    private func remember(checkpointsOf execution: Execution) async {
        let owner = execution.id
        for checkpointId in await execution.checkpointIds { checkpointOwners[checkpointId] = owner }
    }
}
