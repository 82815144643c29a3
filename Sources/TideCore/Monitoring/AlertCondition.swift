/// A condition on a metric that triggers an alert (the spec's `AlertCondition`).
///
/// With a ``duration``, the condition must hold continuously for that long before the alert
/// fires (Prometheus' `for:`).
public struct AlertCondition: Sendable, Hashable, Codable {
    /// How the metric is compared with the threshold.
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        /// Greater than.
        case gt
        /// Less than.
        case lt
        /// Equal to.
        case eq
        /// Greater than or equal to.
        case gte
        /// Less than or equal to.
        case lte

        /// Whether `value` compares to `threshold` this way.
        public func holds(_ value: Double, _ threshold: Double) -> Bool {
            switch self {
            case .gt: value > threshold
            case .lt: value < threshold
            case .eq: value == threshold
            case .gte: value >= threshold
            case .lte: value <= threshold
            }
        }
    }

    /// The metric to watch (`errorRate`, `cpu_usage`, `execution_duration`, …).
    public var metric: String
    /// The comparison.
    public var `operator`: Operator
    /// The threshold value.
    public var threshold: Double
    /// Milliseconds the condition must hold before the alert fires; `nil` fires at once.
    public var duration: Double?

    /// Creates a condition.
    public init(metric: String, operator: Operator, threshold: Double, duration: Double? = nil) {
        self.metric = metric
        self.operator = `operator`
        self.threshold = threshold
        self.duration = duration
    }
}
