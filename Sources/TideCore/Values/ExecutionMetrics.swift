/// Performance and quality metrics of an execution (the spec's `ExecutionMetrics`).
///
/// Every figure is computed from the execution's timeline, so the same timeline always gives the
/// same metrics.
public struct ExecutionMetrics: Sendable, Hashable, Codable {
    /// Milliseconds from `EXECUTION_STARTED` to the final event (or to now while running).
    public var totalDuration: Double
    /// Milliseconds during which at least one task was running (the union of task run intervals).
    public var effectiveDuration: Double
    /// The sum of `cost` over the execution's resource usage (each: amount × the pool's cost per unit
    /// per second × seconds held; allocations still held count up to now).
    public var totalCost: Double
    /// The mean of the allocations' `efficiency` (busy time of the holding task over time held; time
    /// the execution spent paused is not busy), weighted by amount × time held; 1.0 when nothing was
    /// allocated.
    public var resourceEfficiency: Double
    /// The mean of the quality scores tasks reported (0–1); 1.0 when no task reported one.
    public var qualityScore: Double
    /// Completed tasks divided by tasks that finished (completed, failed or skipped); 1.0 when none did.
    public var successRate: Double
    /// Completed tasks per second of `totalDuration`; 0 when no time has passed.
    public var throughput: Double
    /// Failed attempts divided by all attempts; 0 when no attempt was made.
    public var errorRate: Double

    /// Creates metrics.
    public init(
        totalDuration: Double = 0, effectiveDuration: Double = 0, totalCost: Double = 0, resourceEfficiency: Double = 1,
        qualityScore: Double = 1, successRate: Double = 1, throughput: Double = 0, errorRate: Double = 0
    ) {
        self.totalDuration = totalDuration
        self.effectiveDuration = effectiveDuration
        self.totalCost = totalCost
        self.resourceEfficiency = resourceEfficiency
        self.qualityScore = qualityScore
        self.successRate = successRate
        self.throughput = throughput
        self.errorRate = errorRate
    }
}
