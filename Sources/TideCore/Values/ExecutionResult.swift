public import Foundation

/// The complete result of an execution (the spec's `ExecutionResult`).
public struct ExecutionResult: Sendable, Hashable, Codable {
    /// Unique execution identifier.
    public var executionId: String
    /// The plan it ran.
    public var planId: String
    /// The final (or current) status.
    public var status: ExecutionStatus
    /// When the execution started.
    public var startedAt: Date
    /// When it reached a final status.
    public var completedAt: Date?
    /// The execution's result: the results of its sink tasks (tasks nothing depends on), by task id.
    public var result: JSONValue?
    /// What failed, if the execution failed.
    public var error: ExecutionError?
    /// Performance metrics.
    public var metrics: ExecutionMetrics
    /// Resource consumption.
    public var resourceUsage: [ResourceUsage]
    /// The complete event timeline.
    public var timeline: [ExecutionEvent]

    /// Creates a result.
    public init(
        executionId: String, planId: String, status: ExecutionStatus, startedAt: Date, completedAt: Date? = nil,
        result: JSONValue? = nil, error: ExecutionError? = nil, metrics: ExecutionMetrics = ExecutionMetrics(),
        resourceUsage: [ResourceUsage] = [], timeline: [ExecutionEvent] = []
    ) {
        self.executionId = executionId
        self.planId = planId
        self.status = status
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.result = result
        self.error = error
        self.metrics = metrics
        self.resourceUsage = resourceUsage
        self.timeline = timeline
    }
}
