/// Where an execution's durable record goes: the engine hands it every change in batches.
///
/// With a journal, the engine keeps this contract: a task's completion, its result and its state
/// are committed before any task that depends on it starts, a failed attempt before the task's
/// next attempt, and nothing — event, message, figure, status or result — is reported before it
/// is committed. A journal may be called from any task, one commit at a time; it may write on the
/// calling thread (the engine hands a commit to a worker that has nothing else to do). Commits are
/// grouped: while one commit runs, the next batch gathers
/// everything that happens meanwhile, so a busy execution writes many events per transaction.
/// Changes nothing waits for (a task started, a message) gather for at most a few milliseconds;
/// a completion is committed at once. `TideStore`'s SQLite store is the journal the `tide` tool uses;
/// without one, executions live in memory only.
public protocol ExecutionJournal: Sendable {
    /// Writes a batch in one transaction and returns once it is durable.
    ///
    /// - Throws: Any error; the engine then stops the execution with `STORE_ERROR` (what was
    ///   committed before stays committed).
    func commit(_ batch: JournalBatch) async throws

    /// The last durable state of an execution this journal has recorded events for, or `nil` if it
    /// has none: the engine then starts the execution afresh. Used when an execution is started
    /// with an id the journal knows (``DefaultExecutionEngine/start(_:executionId:)``).
    ///
    /// - Throws: An error if the execution cannot be resumed (it completed, its record is unreadable).
    func resumePoint(of executionId: String) async throws -> ResumePoint?
}

extension ExecutionJournal {
    /// A journal that cannot resume executions: every start is a fresh one.
    public func resumePoint(of executionId: String) async throws -> ResumePoint? { nil }
}

/// The changes of one execution since the previous commit.
public struct JournalBatch: Sendable {
    /// The execution.
    public var executionId: String = ""
    /// Its status when the batch was taken.
    public var status: ExecutionStatus = .pending
    /// Whether the status changed since the previous commit.
    public var statusChanged = true
    /// New events, in order (their ids are sequence numbers).
    public var events: [ExecutionEvent] = []
    /// New messages with their sequence numbers (1-based, in order).
    public var messages: [(sequence: Int, message: ExecutionMessage)] = []
    /// Tasks whose outcome, result or state changed, by task id.
    public var tasks: [String: TaskUpdate] = [:]
    /// The execution variables, when they changed.
    public var variables: [String: JSONValue]?
    /// New checkpoints, each a record of what changed since the one before (``CheckpointRecord``).
    public var checkpoints: [CheckpointRecord] = []
    /// Resource usage of allocations released since the last commit.
    public var resourceUsage: [ResourceUsage] = []
    /// Child processes started or ended since the last commit (an ended one repeats its record).
    public var children: [ChildProcess] = []
    /// The final result (its timeline left empty: the events hold it), once the execution ended.
    public var finalResult: ExecutionResult?
    /// A rollback to a checkpoint, applied before this batch's task updates: tasks not kept lose
    /// their outcome and result, and every task's state becomes the checkpoint's.
    public var rewind: Rewind?

    /// A rollback to a checkpoint (``JournalBatch/rewind``).
    public struct Rewind: Sendable, Hashable {
        /// The tasks that stay completed.
        public var keeping: Set<String>
        /// The task states of the checkpoint, by task id.
        public var states: [String: JSONValue]

        /// Creates a rollback.
        public init(keeping: Set<String>, states: [String: JSONValue]) {
            self.keeping = keeping
            self.states = states
        }
    }

    /// An empty batch.
    public init() {}

    /// Whether the batch holds nothing to write.
    public var isEmpty: Bool {
        events.isEmpty && messages.isEmpty && tasks.isEmpty && variables == nil && checkpoints.isEmpty
            && resourceUsage.isEmpty && children.isEmpty && finalResult == nil && rewind == nil
    }
}

/// What changed about one task.
public struct TaskUpdate: Sendable, Hashable {
    /// How the task ended, when it did.
    public var outcome: TaskOutcome?
    /// Its result, once completed.
    public var result: JSONValue?
    /// Its state (`ctx.state`), when it changed.
    public var state: JSONValue?

    /// An update with nothing set.
    public init(outcome: TaskOutcome? = nil, result: JSONValue? = nil, state: JSONValue? = nil) {
        self.outcome = outcome
        self.result = result
        self.state = state
    }
}

/// How a task ended.
public enum TaskOutcome: String, Sendable, Hashable, Codable {
    /// It returned a result.
    case completed = "COMPLETED"
    /// It failed for good.
    case failed = "FAILED"
    /// A recovery strategy skipped it, or a dependency failed.
    case skipped = "SKIPPED"
}
