/// What a recovery strategy knows about a failure (the spec's `RecoveryContext`).
public struct RecoveryContext: Sendable {
    /// The execution that failed.
    public var executionId: String
    /// The error that occurred.
    public var error: ExecutionError
    /// The execution's state at the failure.
    public var state: ExecutionState
    /// The original plan.
    public var plan: ExecutionPlan
    /// Resources available to the execution.
    public var resources: [Resource]
    /// How many recovery decisions this task has had before this one.
    public var attempt: Int

    /// Creates a context.
    public init(
        executionId: String, error: ExecutionError, state: ExecutionState, plan: ExecutionPlan,
        resources: [Resource] = [], attempt: Int = 0
    ) {
        self.executionId = executionId
        self.error = error
        self.state = state
        self.plan = plan
        self.resources = resources
        self.attempt = attempt
    }
}
