internal import DequeModule
import Foundation

/// One execution of a plan: its state, timeline and scheduling loop, confined to one actor.
///
/// The engine creates one per ``DefaultExecutionEngine/start(_:executionId:)``, calls ``begin()``
/// and runs ``drive()`` in a task it owns. Worker child tasks run attempts and report each outcome in
/// the same call that takes their next task (``nextJob(after:epoch:)``); control calls (resume,
/// cancel, restore, timers) queue a ``LoopEvent`` and wake the driver.
actor Execution {
    let id: String
    let plan: ExecutionPlan
    let clock: EngineClock
    let recovery: RecoveryRegistry
    let configuration: EngineConfiguration
    let resources: ResourceManager
    /// Usage records of the allocations this execution released.
    var usages: [ResourceUsage] = []
    /// Running totals over ``usages``: cost, efficiency × amount × seconds held, amount × seconds held.
    var releasedCost = 0.0
    var releasedWeightedEfficiency = 0.0
    var releasedWeight = 0.0
    /// Tasks whose running attempt holds resources.
    var holding: Set<Int> = []

    var scheduler: TaskScheduler
    var status: ExecutionStatus = .pending
    var records: [TaskRecord]
    var variables: [String: JSONValue]
    var completionOrder: [Int] = []
    var timeline: [ExecutionEvent] = []
    var messages: [ExecutionMessage] = []
    var checkpoints: [ExecutionCheckpoint] = []
    var error: ExecutionError?
    var anyTaskFailed = false
    var firstFailure: ExecutionError?

    // Time, as engine offsets.
    var startedAt: Duration?
    var completedAt: Duration?
    var pausedSince: Duration?
    var pausedTotal: Duration = .zero
    var busySince: Duration?
    var busyTotal: Duration = .zero

    // Counters behind the metrics.
    var inFlight = 0
    var attemptsStarted = 0
    var attemptsFailed = 0
    var qualitySum = 0.0
    var qualityCount = 0
    var currentPhase: String?

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
    var completedAttemptTime: Duration = .zero
    let indexById: [String: Int]
    let sinks: [Int]
    var pauseWaiters: [CheckedContinuation<Void, any Error>] = []
    var finalWaiters: [CheckedContinuation<ExecutionResult, Never>] = []
    var monitors: [ObjectIdentifier: UpdateChannel] = [:]
    var eventSequence = 0
    var messageSequence = 0

    // Durability (see Execution+Journal.swift). Without a journal, everything is published at once.
    let journal: (any ExecutionJournal)?
    let resumePoint: ResumePoint?
    var batch = JournalBatch()
    var commitInFlight = false
    var gatherTimerArmed = false
    var lastCommittedStatus: ExecutionStatus?
    /// How much of the in-memory timeline and message log is committed (and published).
    var committedEvents = 0
    var committedMessages = 0
    /// Completions waiting for their commit, with the epoch they belong to.
    var awaitingCommit: [(index: Int, epoch: Int)] = []
    /// Whether the final status waits for its commit before monitors and waiters hear of it.
    var finalPending = false
    /// Set once a commit failed: the execution stops and the journal is no longer used.
    var journalFailure: ExecutionError?

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
        self.timeline.reserveCapacity(2 * plan.tasks.count + 4)  // a start and an end per task
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
        pausedSince = clock.now()
        record(.executionPaused, "execution paused")
    }

    /// Lets a paused execution go on.
    func resume() throws(TideError) {
        guard status == .paused else {
            throw TideError(
                .illegalTransition, "cannot resume execution '\(id)': it is \(status.rawValue), not PAUSED",
                executionId: id)
        }
        let now = clock.now()
        if let since = pausedSince { pausedTotal += now - since }
        pausedSince = nil
        status = .running
        record(.executionResumed, "execution resumed")
        let waiters = pauseWaiters
        pauseWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
        signal(.wake)
    }

    /// Cancels the execution: running tasks are cancelled and get the grace period to stop.
    func cancel() throws(TideError) {
        guard !status.isFinal, stopping == nil, !cancelRequested else {
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
        if status.isFinal && !finalPending { return result() }
        return await withCheckedContinuation { finalWaiters.append($0) }
    }

    // MARK: - Timeline

    /// Appends an event and notifies monitors.
    func record(
        _ type: ExecutionEventType, _ description: String? = nil, taskId: String? = nil, data: JSONValue? = nil,
        at time: Duration? = nil
    ) {
        guard completedAt == nil else { return }  // nothing is added after the final event
        eventSequence += 1
        let now = time ?? clock.now()
        // Ids are sequence numbers, unique within the execution (and short: no allocation).
        var event = ExecutionEvent(
            id: String(eventSequence), type: type, timestamp: clock.date(at: now), taskId: taskId, data: data)
        if let description { event.description = description }
        timeline.append(event)
        if isJournaling {
            batch.events.append(event)
            scheduleCommit()
        } else {
            committedEvents = timeline.count
            publish(events: [event], messages: [])
        }
    }

    /// Appends a log message and notifies monitors.
    func log(_ level: MessageLevel, _ text: String, taskId: String?, context: [String: JSONValue]?) {
        guard completedAt == nil else { return }
        let message = ExecutionMessage(
            level: level, message: text, timestamp: clock.date(at: clock.now()), taskId: taskId, context: context)
        messages.append(message)
        messageSequence += 1
        if isJournaling {
            batch.messages.append((messageSequence, message))
            scheduleCommit()
        } else {
            committedMessages = messages.count
            publish(events: [], messages: [message])
        }
    }

    /// The events recorded after sequence number `sequence` (event ids are sequence numbers).
    func events(after sequence: Int) -> [ExecutionEvent] {
        // A resumed execution's timeline starts after the events of the run before.
        let base = timeline.first.flatMap { Int($0.id) }.map { $0 - 1 } ?? 0
        let start = min(max(sequence - base, 0), timeline.count)
        if start == timeline.count { return [] }
        if timeline[start].id == String(sequence + 1) { return Array(timeline[start...]) }
        return timeline.filter { (Int($0.id) ?? 0) > sequence }
    }

    /// The messages logged after the first `count`.
    func messages(after count: Int) -> [ExecutionMessage] {
        Array(messages[min(max(count, 0), messages.count)...])
    }

    // MARK: - Task context support

    func taskState(_ index: Int) -> JSONValue { records[index].state }
    func setTaskState(_ index: Int, _ state: JSONValue) {
        records[index].state = state
        if isJournaling {
            batch.tasks[plan.tasks[index].id, default: TaskUpdate()].state = state
            scheduleCommit()
        }
    }
    func variable(_ name: String) -> JSONValue? { variables[name] }
    func setVariable(_ name: String, _ value: JSONValue) {
        variables[name] = value
        if isJournaling {
            batch.variables = variables
            scheduleCommit()
        }
    }
    func reportPhase(_ phase: String) {
        currentPhase = phase
        publish(events: [], messages: [])
    }
    func reportQuality(_ quality: Double) {
        qualitySum += min(max(quality, 0), 1)
        qualityCount += 1
    }

    /// Active time: engine time minus time this execution spent paused.
    func activeNow(at time: Duration? = nil) -> Duration {
        let now = time ?? clock.now()
        return now - pausedTotal - (pausedSince.map { now - $0 } ?? .zero)
    }

    /// Active time since the execution started.
    func activeElapsed() -> Duration {
        activeNow() - (startedAt ?? clock.now())
    }
}
