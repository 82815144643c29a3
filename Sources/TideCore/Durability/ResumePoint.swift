/// Where a resumed execution starts from: its last durable state, or a stored checkpoint.
///
/// Completed tasks stay completed with their results; every other task runs again, its attempt
/// number continuing after `attempts` (or ``attemptFloor``). The timeline continues after
/// `lastEventSequence`.
public struct ResumePoint: Sendable {
    /// Results of the tasks that completed, by task id.
    public var completed: [String: JSONValue]
    /// Tasks a recovery strategy decided to skip: they stay skipped (their dependents run without them).
    public var skipped: Set<String> = []
    /// Task states (`ctx.state`), by task id.
    public var taskStates: [String: JSONValue]
    /// The highest attempt number an earlier process may have given each task, by task id: the
    /// task's next attempt is one more. A journal computes it so that numbers never repeat (see
    /// ``attemptFloor``).
    public var attempts: [String: Int]
    /// The number attempts continue after for tasks not in ``attempts``.
    ///
    /// A process may die after starting an attempt and before its `TASK_STARTED` is committed; the
    /// engine never starts a task's next attempt before the previous one's start is committed, so a
    /// dead run leaves at most one such attempt per task, and a run that ended (and gave the
    /// execution up) leaves none. With `L` a task's highest committed attempt, started by run `r`,
    /// and `d` the runs that died since `r` began (all of them, for a task never started), the
    /// task's next attempt is `L + d + 1`, which no earlier run can have given it: attempt numbers
    /// may skip across a death, never repeat.
    public var attemptFloor = 0
    /// How many earlier runs of the execution died (a journal counts them when a run claims it);
    /// recorded in the `RECOVERY_INITIATED` event, so that a later resume knows which deaths came
    /// after a task's last committed start.
    public var deaths = 0
    /// Recovery decisions received so far, by task id: caps such as "retry 5 times" hold across
    /// resumes (``RecoveryContext/attempt``).
    public var recoveries: [String: Int] = [:]
    /// The execution variables.
    public var variables: [String: JSONValue]
    /// The id of the last event recorded (event ids are sequence numbers).
    public var lastEventSequence: Int
    /// How many messages were recorded.
    public var messageCount: Int
    /// What task bodies added so far, against the quotas of ``ExecutionLimits``: custom events,
    /// messages and the bytes of their text (the quotas count on from these).
    public var bodyEvents = 0
    /// Messages task bodies logged so far (see ``bodyEvents``).
    public var bodyMessages = 0
    /// Bytes of message text task bodies logged so far (see ``bodyEvents``).
    public var bodyLogBytes = 0
    /// Checkpoints made so far (a `CHECKPOINT_RESTORE` decision can go back to them).
    public var checkpoints: [ExecutionCheckpoint]
    /// Where the state comes from, for the `RECOVERY_INITIATED` event: `"durable state"` or a checkpoint id.
    public var source: String

    /// Creates a resume point.
    public init(
        completed: [String: JSONValue], taskStates: [String: JSONValue] = [:], attempts: [String: Int] = [:],
        variables: [String: JSONValue] = [:], lastEventSequence: Int = 0, messageCount: Int = 0,
        checkpoints: [ExecutionCheckpoint] = [], source: String = "durable state"
    ) {
        self.completed = completed
        self.taskStates = taskStates
        self.attempts = attempts
        self.variables = variables
        self.lastEventSequence = lastEventSequence
        self.messageCount = messageCount
        self.checkpoints = checkpoints
        self.source = source
    }
}
