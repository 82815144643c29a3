/// How far an execution has come (the spec's `ExecutionProgress`).
public struct ExecutionProgress: Sendable, Hashable, Codable {
    /// Overall completion, 0–100: finished tasks (completed or skipped) over all tasks.
    public var percentage: Double
    /// Tasks completed.
    public var completedTasks: Int
    /// Total tasks in the plan.
    public var totalTasks: Int
    /// Milliseconds left, estimated from the mean duration of finished tasks and the concurrency;
    /// `nil` until a task has finished.
    public var estimatedTimeRemaining: Double?
    /// The current phase: the last phase a task reported, or the execution's status in words.
    public var currentPhase: String

    /// Creates a progress record.
    public init(
        percentage: Double, completedTasks: Int, totalTasks: Int, estimatedTimeRemaining: Double? = nil,
        currentPhase: String
    ) {
        self.percentage = percentage
        self.completedTasks = completedTasks
        self.totalTasks = totalTasks
        self.estimatedTimeRemaining = estimatedTimeRemaining
        self.currentPhase = currentPhase
    }
}
