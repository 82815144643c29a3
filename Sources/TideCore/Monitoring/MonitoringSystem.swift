/// Monitoring and alerting over executions (the spec's `MonitoringSystem`).
public protocol MonitoringSystem: Sendable {
    /// Starts watching an execution: alert conditions are evaluated on it.
    func startMonitoring(_ executionId: String) async throws
    /// Stops watching an execution.
    func stopMonitoring(_ executionId: String) async
    /// The execution's metrics now.
    func getMetrics(_ executionId: String) async throws -> ExecutionMetrics
    /// The execution's resource usage so far.
    func getResourceUsage(_ executionId: String) async throws -> [ResourceUsage]
    /// The execution's events so far.
    func getTimeline(_ executionId: String) async throws -> [ExecutionEvent]
    /// Sets an alert on every monitored execution; returns its id.
    func setAlert(_ condition: AlertCondition, _ callback: @escaping AlertCallback) async throws -> String
    /// Removes an alert.
    func removeAlert(_ alertId: String) async
}

/// Called when an alert fires. May throw or take its time: it runs apart from sampling.
public typealias AlertCallback = @Sendable (Alert) async throws -> Void
