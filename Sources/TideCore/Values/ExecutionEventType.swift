/// The category of an ``ExecutionEvent``: the spec's thirteen types, plus ``custom`` for events
/// task bodies emit themselves.
public enum ExecutionEventType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Execution began.
    case executionStarted = "EXECUTION_STARTED"
    /// Execution finished successfully.
    case executionCompleted = "EXECUTION_COMPLETED"
    /// Execution failed.
    case executionFailed = "EXECUTION_FAILED"
    /// Execution paused.
    case executionPaused = "EXECUTION_PAUSED"
    /// Execution resumed.
    case executionResumed = "EXECUTION_RESUMED"
    /// Execution cancelled.
    case executionCancelled = "EXECUTION_CANCELLED"
    /// Individual task started.
    case taskStarted = "TASK_STARTED"
    /// Individual task completed.
    case taskCompleted = "TASK_COMPLETED"
    /// Individual task failed.
    case taskFailed = "TASK_FAILED"
    /// Resource allocated.
    case resourceAllocated = "RESOURCE_ALLOCATED"
    /// Resource released.
    case resourceReleased = "RESOURCE_RELEASED"
    /// State checkpoint created.
    case checkpointCreated = "CHECKPOINT_CREATED"
    /// Recovery process started.
    case recoveryInitiated = "RECOVERY_INITIATED"
    /// An event a task body emitted (`tide.emit`); not one of the spec's types, which the engine
    /// emits itself.
    case custom = "CUSTOM"
}
