/// What a recovery strategy decided to do about a failed task.
public enum RecoveryAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Retry the failed operation (applying the result's `newState` first).
    case retry = "RETRY"
    /// Skip the failed task and continue; its dependents run without its result.
    case skip = "SKIP"
    /// Run the task's fallback body instead.
    case fallback = "FALLBACK"
    /// Terminate the execution.
    case abort = "ABORT"
    /// Go back to the latest checkpoint and continue from there.
    case checkpointRestore = "CHECKPOINT_RESTORE"
}
