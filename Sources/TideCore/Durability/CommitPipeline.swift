/// What waits for a commit before the scheduler may act on it.
struct PendingRelease: Sendable {
    /// What the commit releases.
    enum Kind: Sendable {
        /// A completion: its dependents may start.
        case completion
        /// A failed attempt that recovery answered with RETRY or FALLBACK: the next attempt may
        /// start. Waiting for the commit keeps at most one uncommitted attempt per task, which is
        /// what makes attempt numbers unique across process deaths (see ``ResumePoint/incarnation``).
        case nextAttempt
        /// A child process's record (``ChildProcess``): the attempt starts the process once it is
        /// durable. `index` is the waiter's token, not a task.
        case childRecorded
    }

    var index: Int
    /// The loop epoch it belongs to; a restore starts a new epoch and drops older releases.
    var epoch: Int
    var kind: Kind
}

/// The decisions of an execution's group commit: when to commit, what goes into a batch, and what
/// a commit releases. A value type; the execution's actor performs the steps it returns.
///
/// Changes that nothing waits for gather for at most ``gatherDelay``; a change something waits for
/// (a completion, a retry, the final status) is committed at once; never two commits at a time.
/// While one commit runs, the next batch gathers everything that happens meanwhile, so under load
/// many events share a transaction. Events and messages are not copied into the batch as they
/// happen: a batch takes the timeline's entries since the previous batch when it starts.
struct CommitPipeline: Sendable {
    /// What the actor should do next.
    enum Step: Sendable {
        /// Nothing now.
        case none
        /// Start the gather timer, then call ``gatherTimerFired(executionId:status:timeline:counters:)``.
        case armGatherTimer
        /// Write this batch; then call ``committed()`` or ``failed(_:)`` and act on the ticket.
        case commit(JournalBatch, Ticket)
    }

    /// What a commit covers, for when it is durable.
    struct Ticket: Sendable {
        /// The timeline up to here is in the batch.
        var mark: ExecutionTimeline.Mark
        /// What the commit releases.
        var releases: [PendingRelease]
        /// The figures as of the batch: what is reported once it is durable.
        var counters: ExecutionCounters
        /// Whether the batch carries the final status.
        var isFinal: Bool
    }

    /// How long changes that nothing waits for may gather before they are committed.
    static var gatherDelay: Duration { .milliseconds(2) }

    /// Changes other than the timeline gathered for the next batch.
    var batch = JournalBatch()
    /// Whether the final status waits for its commit before anyone hears of it.
    var finalPending = false
    /// Set once a commit failed: nothing is committed after it.
    private(set) var failure: ExecutionError?
    private(set) var isCommitting = false
    private var gatherTimerArmed = false
    private var waiting: [PendingRelease] = []
    private var lastCommittedStatus: ExecutionStatus?
    /// Timeline entries before this mark are in a batch already.
    private var batched = ExecutionTimeline.Mark(events: 0, messages: 0)

    /// Holds `release` until the next commit is durable.
    mutating func releaseAfterCommit(_ release: PendingRelease) { waiting.append(release) }

    /// Whether something waits for the journal (a commit running or changes not yet in a batch).
    func isIdle(_ timeline: ExecutionTimeline) -> Bool {
        failure != nil || (!isCommitting && batch.isEmpty && timeline.end == batched && waiting.isEmpty)
    }

    /// Decides what to do after a change: commit now, arm the gather timer, or nothing.
    mutating func next(
        executionId: String, status: ExecutionStatus, timeline: ExecutionTimeline,
        counters: () -> ExecutionCounters
    ) -> Step {
        guard failure == nil, !isCommitting, hasChanges(timeline) else { return .none }
        if waiting.isEmpty && batch.finalResult == nil {
            guard !gatherTimerArmed else { return .none }
            gatherTimerArmed = true
            return .armGatherTimer
        }
        return start(executionId: executionId, status: status, timeline: timeline, counters: counters)
    }

    /// The gather delay is over: commit what gathered.
    mutating func gatherTimerFired(
        executionId: String, status: ExecutionStatus, timeline: ExecutionTimeline,
        counters: () -> ExecutionCounters
    ) -> Step {
        gatherTimerArmed = false
        guard failure == nil, !isCommitting, hasChanges(timeline) else { return .none }
        return start(executionId: executionId, status: status, timeline: timeline, counters: counters)
    }

    /// The running commit is durable.
    mutating func committed() { isCommitting = false }

    /// The running commit failed: no commit follows. Returns the releases that were waiting, so
    /// the scheduler is not left holding them.
    mutating func failed(_ error: ExecutionError) -> [PendingRelease] {
        isCommitting = false
        failure = error
        batch = JournalBatch()
        defer { waiting.removeAll() }
        return waiting
    }

    private func hasChanges(_ timeline: ExecutionTimeline) -> Bool {
        !batch.isEmpty || timeline.end != batched || !waiting.isEmpty
    }

    private mutating func start(
        executionId: String, status: ExecutionStatus, timeline: ExecutionTimeline,
        counters: () -> ExecutionCounters
    ) -> Step {
        isCommitting = true
        var outgoing = batch
        batch = JournalBatch()
        outgoing.executionId = executionId
        outgoing.status = status
        outgoing.statusChanged = status != lastCommittedStatus
        lastCommittedStatus = status
        let entries = timeline.entries(from: batched)
        outgoing.events = Array(entries.events)
        outgoing.messages = zip(entries.messages.indices, entries.messages).map { index, message in
            (timeline.messageSequence(at: index), message)
        }
        batched = timeline.end
        let ticket = Ticket(
            mark: batched, releases: waiting, counters: counters(), isFinal: outgoing.finalResult != nil)
        waiting.removeAll()
        return .commit(outgoing, ticket)
    }
}
