/// What the driver of an execution's loop is asked to handle.
enum LoopEvent: Sendable {
    /// Something changed that may let tasks start (resume, concurrency change).
    case wake
    /// Cancel was requested.
    case cancel
    /// The execution's own timeout expired.
    case executionTimeout
    /// The grace period after a cancel or abort is over.
    case graceExpired
    /// Restore this checkpoint now.
    case restore(ExecutionCheckpoint)
    /// Time for an automatic checkpoint.
    case checkpointTimer
}

/// How one attempt of a task ended.
enum AttemptOutcome: Sendable {
    /// The body returned.
    case completed(JSONValue)
    /// The body failed; `decision` is what recovery decided, if a strategy applied.
    case failed(ExecutionError, RecoveryDecision)
    /// The body stopped because its task was cancelled.
    case cancelled
}

/// The answer of recovery to one failure.
enum RecoveryDecision: Sendable {
    /// No strategy applies: the task fails for good.
    case none
    /// The task had as many recovery decisions as the engine allows
    /// (``EngineConfiguration/maxRecoveryAttempts``): it fails for good, and a warning says why.
    case limitReached
    /// A strategy answered.
    case decided(RecoveryResult, strategyId: String, version: String?)
    /// The strategy threw or answered nonsense: the task fails with this `RECOVERY_FAILED` error.
    case strategyFailed(ExecutionError)
}
