/// The state of an execution, as the spec names it.
///
/// An execution starts ``pending``, becomes ``running``, may move between ``running`` and
/// ``paused``, and ends ``completed``, ``failed`` or ``cancelled``; the last three are final.
public enum ExecutionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Queued but not started.
    case pending = "PENDING"
    /// Currently executing.
    case running = "RUNNING"
    /// Temporarily suspended: no task starts, running tasks wait at their next suspension point.
    case paused = "PAUSED"
    /// Successfully finished.
    case completed = "COMPLETED"
    /// Execution failed.
    case failed = "FAILED"
    /// Manually cancelled.
    case cancelled = "CANCELLED"

    /// Whether the status is final (completed, failed or cancelled).
    public var isFinal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .pending, .running, .paused: false
        }
    }
}
