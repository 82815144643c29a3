/// The figures of one execution at one moment, as alert conditions read them.
public struct ExecutionSample: Sendable, Hashable {
    /// The execution's status.
    public var status: ExecutionStatus
    /// Its metrics so far.
    public var metrics: ExecutionMetrics
    /// Its progress so far.
    public var progress: ExecutionProgress
    /// Attempts running now.
    public var runningTasks: Int
    /// Tasks ready and waiting for a free slot.
    public var queuedTasks: Int

    /// The value of a metric by name, or `nil` if the name is not an execution metric.
    ///
    /// Names: every ``ExecutionMetrics`` field (`totalDuration`, `errorRate`, …), plus
    /// `execution_duration` (ms), `progress` (%), `running_tasks` and `queued_tasks`.
    public func value(of metric: String) -> Double? {
        switch metric {
        case "totalDuration", "execution_duration": metrics.totalDuration
        case "effectiveDuration": metrics.effectiveDuration
        case "totalCost": metrics.totalCost
        case "resourceEfficiency": metrics.resourceEfficiency
        case "qualityScore": metrics.qualityScore
        case "successRate": metrics.successRate
        case "throughput": metrics.throughput
        case "errorRate": metrics.errorRate
        case "progress": progress.percentage
        case "running_tasks": Double(runningTasks)
        case "queued_tasks": Double(queuedTasks)
        default: nil
        }
    }

    /// The metric names ``value(of:)`` answers.
    public static let metricNames: Set<String> = [
        "totalDuration", "effectiveDuration", "totalCost", "resourceEfficiency", "qualityScore", "successRate",
        "throughput", "errorRate", "execution_duration", "progress", "running_tasks", "queued_tasks",
    ]
}
