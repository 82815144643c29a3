internal import DequeModule
import Foundation
import Synchronization

/// One execution of a plan: its state, timeline and scheduling loop, confined to one actor.
///
/// The engine creates one per ``DefaultExecutionEngine/start(_:executionId:)``, calls ``begin()``
/// and runs ``drive()`` in a task it owns. Worker child tasks run attempts and report each outcome in
/// the same call that takes their next task (``nextJob(after:epoch:)``); control calls (resume,
/// cancel, restore, timers) queue a ``LoopEvent`` and wake the driver.
actor Execution {
    let id: String
    let plan: ExecutionPlan
    /// The plan's limits, readable without a hop (task contexts report them).
    nonisolated let limits: ExecutionLimits
    let clock: EngineClock
    let recovery: RecoveryRegistry
    let configuration: EngineConfiguration
    let resources: ResourceManager
    /// Usage records of the allocations this execution released.
    var usages: [ResourceUsage] = []
    /// Tasks whose running attempt holds resources.
    var holding: Set<Int> = []

    var scheduler: TaskScheduler
    var status: ExecutionStatus = .pending
    var records: [TaskRecord]
    var variables: [String: JSONValue]
    var completionOrder: [Int] = []
    /// Events and messages; every read of them goes through its committed prefix.
    var timeline: ExecutionTimeline
    /// The checkpoints taken, each a record of what changed since the one its state descends from.
    var checkpointRecords: [CheckpointRecord] = []
    /// What changed since the last checkpoint: the next record.
    var checkpointTracker = CheckpointTracker()
    /// How many checkpoints have been taken, readable without a hop (task contexts report it).
    nonisolated let checkpointsTaken = Atomic<Int>(0)
    var error: ExecutionError?
    var anyTaskFailed = false
    var firstFailure: ExecutionError?
    /// The figures behind metrics and progress, live.
    var counters = ExecutionCounters()
    /// The figures as of the last durable commit (journaled executions report these).
    var committedCounters = ExecutionCounters()
    /// What task bodies and scripts have added, against the plan's limits.
    var quotas: ScriptQuotas

    // Loop plumbing.
    var pendingEvents: [LoopEvent] = []
    var driverWaiter: CheckedContinuation<Void, Never>?
    var driverSignalled = false
    var workers = 0
    var epoch = 0
    var stopping: StopReason?
    var pendingStop: StopReason?
    var cancelRequested = false
    var graceTimer: Task<Void, Never>?
    /// When each running task's attempt started (engine offset), by task index.
    var runningSince: [Duration?]
    /// Attempts in start order; entries of attempts that ended are dropped lazily.
    var runningOrder: Deque<(index: Int, since: Duration)> = []
    let indexById: [String: Int]
    let sinks: [Int]
    var pauseWaiters: [CheckedContinuation<Void, any Error>] = []
    var finalWaiters: [CheckedContinuation<ExecutionResult, Never>] = []
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    /// Attempts waiting for the record of a child process to be durable, by token.
    var childWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var nextChildToken = 0
    var monitors: [ObjectIdentifier: UpdateChannel] = [:]

    // Durability (see Execution+Journal.swift). Without a journal, everything is committed at once.
    let journal: (any ExecutionJournal)?
    let resumePoint: ResumePoint?
    var pipeline = CommitPipeline()
    /// Set while a worker's call runs: a commit that falls due then is held in ``deferredCommit``.
    var deferringCommits = false
    /// A commit held for the worker whose call made it due.
    var deferredCommit: (batch: JournalBatch, ticket: CommitPipeline.Ticket)?

    init(
        id: String, plan: ExecutionPlan, graph: PlanGraph, clock: EngineClock, recovery: RecoveryRegistry,
        configuration: EngineConfiguration, resources: ResourceManager, journal: (any ExecutionJournal)? = nil,
        resumePoint: ResumePoint? = nil
    ) {
        self.journal = journal
        self.resumePoint = resumePoint
        self.resources = resources
        self.id = id
        self.plan = plan
        self.clock = clock
        self.recovery = recovery
        self.configuration = configuration
        self.scheduler = TaskScheduler(plan: plan, graph: graph)
        self.records = [TaskRecord](repeating: TaskRecord(), count: plan.tasks.count)
        self.runningSince = [Duration?](repeating: nil, count: plan.tasks.count)
        // A start and an end per task.
        self.timeline = ExecutionTimeline(commitsOnAppend: journal == nil, capacity: 2 * plan.tasks.count + 4)
        self.counters.totalTasks = plan.tasks.count
        self.quotas = ScriptQuotas(limits: plan.limits)
        self.limits = plan.limits
        self.variables = plan.variables
        self.indexById = graph.indexById
        self.sinks = graph.dependents.indices.filter { graph.dependents[$0].isEmpty }
    }

    // MARK: - Control

    /// Stops new tasks from starting; running tasks wait at their next suspension point.
    func pause() throws(TideError) {
        guard status == .running else {
            throw TideError(
                .illegalTransition, "cannot pause execution '\(id)': it is \(status.rawValue), not RUNNING",
                executionId: id)
        }
        status = .paused
        counters.pause(at: clock.now())
        record(.executionPaused, "execution paused")
    }

    /// Lets a paused execution go on.
    func resume() throws(TideError) {
        guard status == .paused else {
            throw TideError(
                .illegalTransition, "cannot resume execution '\(id)': it is \(status.rawValue), not PAUSED",
                executionId: id)
        }
        counters.endPause(at: clock.now())
        status = .running
        record(.executionResumed, "execution resumed")
        let waiters = pauseWaiters
        pauseWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
        signal(.wake)
    }

    /// Cancels the execution: running tasks are cancelled and get the grace period to stop.
    func cancel() throws(TideError) {
        var restoring = false
        if case .restore = stopping { restoring = true }
        guard !status.isFinal, stopping == nil || restoring, !cancelRequested else {
            throw TideError(
                .illegalTransition, "cannot cancel execution '\(id)': it is already \(status.rawValue) or stopping",
                executionId: id)
        }
        cancelRequested = true
        signal(.cancel)
    }

    /// Changes how many tasks may run at once (the spec's auto-scaling).
    func setConcurrency(_ limit: Int) throws(TideError) {
        guard limit >= 1 else {
            throw TideError(.illegalTransition, "concurrency must be at least 1, got \(limit)", executionId: id)
        }
        scheduler.maxConcurrency = limit
        signal(.wake)
    }

    /// Suspends the caller while the execution is paused; throws `CancellationError` once it stops.
    func waitWhilePaused() async throws {
        if stopping != nil || status.isFinal { throw CancellationError() }
        guard status == .paused else { return }
        try await withCheckedThrowingContinuation { pauseWaiters.append($0) }
    }

    /// The result once the execution reaches a final status.
    func finalResult() async -> ExecutionResult {
        if status.isFinal && !pipeline.finalPending { return result() }
        return await withCheckedContinuation { finalWaiters.append($0) }
    }

    // MARK: - Timeline

    /// Appends an event: published at once without a journal, once committed with one. It is
    /// dated `time` (engine time; now by default), or `stamped` when that is given.
    func record(
        _ type: ExecutionEventType, _ description: String? = nil, taskId: String? = nil, data: JSONValue? = nil,
        at time: Duration? = nil, stamped: Date? = nil
    ) {
        let now = time ?? clock.now()
        guard
            let event = timeline.append(
                type, description, taskId: taskId, data: data, at: stamped ?? clock.date(at: now))
        else { return }  // nothing is added after the final event
        if journal == nil {
            publish(events: [event], messages: [])
        } else {
            scheduleCommit()
        }
    }

    /// Appends a log message: published at once without a journal, once committed with one.
    func log(_ level: MessageLevel, _ text: String, taskId: String?, context: [String: JSONValue]?) {
        let message = ExecutionMessage(
            level: level, message: text, timestamp: clock.date(at: clock.now()), taskId: taskId, context: context)
        guard timeline.append(message) else { return }
        if journal == nil {
            publish(events: [], messages: [message])
        } else {
            scheduleCommit()
        }
    }

    /// The committed events after sequence number `sequence` (event ids are sequence numbers).
    func events(after sequence: Int) -> [ExecutionEvent] {
        timeline.committedEvents(after: sequence)
    }

    /// The committed messages after the first `count`.
    func messages(after count: Int) -> [ExecutionMessage] {
        timeline.committedMessages(after: count)
    }

    /// The status as reported: as of the last commit for a journaled execution.
    var reportedStatus: ExecutionStatus { reportedCounters().status }

    // MARK: - Task context support

    func taskState(_ index: Int) -> JSONValue { records[index].state }
    func setTaskState(_ index: Int, _ state: JSONValue) {
        checkpointTracker.stateChanged(index, previous: records[index].state)
        records[index].state = state
        if isJournaling {
            pipeline.batch.tasks[plan.tasks[index].id, default: TaskUpdate()].state = state
            scheduleCommit()
        }
    }
    func variable(_ name: String) -> JSONValue? { variables[name] }
    func setVariable(_ name: String, _ value: JSONValue) {
        variables[name] = value
        checkpointTracker.variablesDidChange()
        if isJournaling {
            pipeline.batch.variables = variables
            scheduleCommit()
        }
    }
    func reportPhase(_ phase: String) {
        counters.currentPhase = phase
        // A journaled execution reports the phase with its next commit.
        if journal == nil { publish(events: [], messages: []) }
    }
    func reportQuality(_ quality: Double) {
        counters.qualitySum += min(max(quality, 0), 1)
        counters.qualityCount += 1
    }

    /// Active time: engine time minus time this execution spent paused.
    func activeNow(at time: Duration? = nil) -> Duration {
        counters.activeNow(at: time ?? clock.now())
    }

    /// Active time since the execution started.
    func activeElapsed() -> Duration {
        activeNow() - (counters.startedAt ?? clock.now())
    }
}
