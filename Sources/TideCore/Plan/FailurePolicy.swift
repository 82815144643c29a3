/// What an execution does when a task fails for good (after recovery had its say).
public enum FailurePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Cancel the running tasks and fail the execution.
    case abort
    /// Let independent branches finish; skip the failed task's dependents (the spec's
    /// "graceful degradation"). The execution ends `FAILED` if any task failed.
    case continueIndependent
}
