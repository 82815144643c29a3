import Foundation

/// Tide's monitoring system: samples metrics of watched executions and fires alerts.
///
/// ```swift
/// let monitoring = DefaultMonitoringSystem(engine: engine)
/// try await monitoring.startMonitoring(executionId)
/// let alert = try await monitoring.setAlert(
///     AlertCondition(metric: "cpu_usage", operator: .gt, threshold: 90, duration: 30_000)
/// ) { alert in print("high CPU: \(alert.value)%") }
/// ```
///
/// **Alerts follow Prometheus' `for:` semantics.** For each alert and watched execution, a
/// condition that holds is *pending* until it has held for its `duration` (milliseconds; none means
/// at once), then *firing*: the callback runs once for that episode. When the condition stops
/// holding, the episode is *resolved*: an INFO message says so on the execution and the optional
/// `onResolve` callback runs. Conditions are checked at each sample, every ``samplingInterval``;
/// an episode pending at one sample and not holding at the next starts over.
///
/// Callbacks run in their own tasks: a slow one does not delay sampling, and one that throws has
/// its error logged as an ERROR message on the execution. With no alert set, nothing is sampled.
/// An execution that reaches a final status is resolved (its firing episodes) and no longer watched.
///
/// Metrics: every ``ExecutionSample`` name, plus `cpu_usage` (% of one core, this process),
/// `memory_usage` (resident bytes) and `resource.<type>.utilization` (0–1) for each pool type.
public actor DefaultMonitoringSystem: MonitoringSystem {
    private struct Registration {
        var condition: AlertCondition
        var callback: AlertCallback
        var onResolve: AlertCallback?
        var episodes: [String: Episode] = [:]
    }

    private struct Episode {
        var pendingSince: Duration?
        var firing = false
    }

    /// The engine whose executions are watched.
    public nonisolated let engine: DefaultExecutionEngine
    /// How often conditions are checked; `nil` to sample only through ``sampleNow()``.
    public nonisolated let samplingInterval: Duration?

    private let process = ProcessSampler()
    private var monitored: [String] = []
    private var alerts: [String: Registration] = [:]
    private var alertOrder: [String] = []
    private var nextAlert = 0
    private var sampler: Task<Void, Never>?
    private var callbacks: [Int: Task<Void, Never>] = [:]
    private var nextCallback = 0

    /// Creates a monitoring system over `engine`.
    ///
    /// - Parameters:
    ///   - engine: The engine to watch.
    ///   - samplingInterval: How often to check alert conditions (on the engine's clock); `nil`
    ///     for on-demand sampling only.
    public init(engine: DefaultExecutionEngine, samplingInterval: Duration? = .seconds(1)) {
        self.engine = engine
        self.samplingInterval = samplingInterval
    }

    /// Starts watching an execution.
    ///
    /// - Throws: ``TideError`` `UNKNOWN_EXECUTION`.
    public func startMonitoring(_ executionId: String) async throws {
        _ = try await engine.getStatus(executionId)
        if !monitored.contains(executionId) { monitored.append(executionId) }
        updateSampler()
    }

    /// Stops watching an execution; its pending and firing episodes end without a resolution.
    public func stopMonitoring(_ executionId: String) {
        monitored.removeAll { $0 == executionId }
        for id in alertOrder { alerts[id]?.episodes[executionId] = nil }
        updateSampler()
    }

    /// The execution's metrics now.
    public func getMetrics(_ executionId: String) async throws -> ExecutionMetrics {
        try await engine.sample(executionId).metrics
    }

    /// The execution's resource usage so far.
    public func getResourceUsage(_ executionId: String) async throws -> [ResourceUsage] {
        try await engine.resourceUsage(of: executionId)
    }

    /// The execution's events so far.
    public func getTimeline(_ executionId: String) async throws -> [ExecutionEvent] {
        guard let result = await engine.getResult(executionId) else {
            throw TideError(.unknownExecution, "no execution has id '\(executionId)'", executionId: executionId)
        }
        return result.timeline
    }

    /// Sets an alert on every watched execution.
    public func setAlert(_ condition: AlertCondition, _ callback: @escaping AlertCallback) async throws -> String {
        try await setAlert(condition, callback, onResolve: nil)
    }

    /// Sets an alert, with a callback for when an episode resolves.
    ///
    /// - Throws: ``TideError`` `UNKNOWN_METRIC` for a metric this system does not measure, or
    ///   `INVALID_ALERT` for a negative duration or a threshold that is not a number.
    public func setAlert(_ condition: AlertCondition, _ callback: @escaping AlertCallback, onResolve: AlertCallback?)
        async throws -> String
    {
        guard isKnown(condition.metric) else {
            throw TideError(
                .unknownMetric,
                "unknown metric '\(condition.metric)': use one of \(knownMetrics.sorted().joined(separator: ", "))")
        }
        guard condition.threshold.isFinite, (condition.duration ?? 0) >= 0 else {
            throw TideError(.invalidAlert, "an alert needs a finite threshold and a duration of zero or more")
        }
        nextAlert += 1
        let id = "alert-\(nextAlert)"
        alerts[id] = Registration(condition: condition, callback: callback, onResolve: onResolve)
        alertOrder.append(id)
        updateSampler()
        return id
    }

    /// Removes an alert; its episodes end without a resolution.
    public func removeAlert(_ alertId: String) {
        alerts[alertId] = nil
        alertOrder.removeAll { $0 == alertId }
        updateSampler()
    }

    /// Every metric name an alert may use now.
    public var knownMetrics: Set<String> {
        var names = ExecutionSample.metricNames.union(["cpu_usage", "memory_usage"])
        for pool in engine.resources.pools { names.insert("resource.\(pool.type).utilization") }
        return names
    }

    /// Takes one sample of every watched execution and advances every alert's state.
    public func sampleNow() async {
        guard !alerts.isEmpty else { return }
        let now = engine.clock.now()
        let needsCPU = alerts.values.contains { $0.condition.metric == "cpu_usage" }
        let cpu = needsCPU ? process.cpuUsage(now: now) : 0
        for executionId in monitored {
            guard let sample = try? await engine.sample(executionId) else { continue }
            for alertId in alertOrder {
                guard let registration = alerts[alertId] else { continue }
                let value = value(of: registration.condition.metric, sample, cpu: cpu)
                evaluate(alertId, executionId, value: value, now: now)
            }
            if sample.status.isFinal { resolveAll(executionId, now: now) }
        }
    }

    // MARK: - Internals

    private func isKnown(_ metric: String) -> Bool { knownMetrics.contains(metric) }

    private func value(of metric: String, _ sample: ExecutionSample, cpu: Double) -> Double {
        if let value = sample.value(of: metric) { return value }
        switch metric {
        case "cpu_usage": return cpu
        case "memory_usage": return process.memoryUsage()
        default:
            let type = metric.dropFirst("resource.".count).dropLast(".utilization".count)
            return engine.resources.utilization(of: String(type))
        }
    }

    private func evaluate(_ alertId: String, _ executionId: String, value: Double, now: Duration) {
        guard var registration = alerts[alertId] else { return }
        let condition = registration.condition
        var episode = registration.episodes[executionId] ?? Episode()
        if condition.operator.holds(value, condition.threshold) {
            let since = episode.pendingSince ?? now
            episode.pendingSince = since
            let needed = Duration.milliseconds(condition.duration ?? 0)
            if !episode.firing && now - since >= needed {
                episode.firing = true
                let alert = Alert(
                    id: alertId, executionId: executionId, condition: condition, triggered: engine.clock.date(at: now),
                    value: value,
                    message: "\(condition.metric) is \(value), \(condition.operator.rawValue) \(condition.threshold)"
                        + (condition.duration.map { " for \(Int($0)) ms" } ?? ""))
                run(registration.callback, alert, executionId: executionId, what: "alert \(alertId)")
            }
        } else if episode.pendingSince != nil {
            if episode.firing { resolve(alertId, registration, executionId, value: value, now: now) }
            episode = Episode()
        }
        registration.episodes[executionId] = episode
        alerts[alertId] = registration
    }

    private func resolve(
        _ alertId: String, _ registration: Registration, _ executionId: String, value: Double, now: Duration
    ) {
        let condition = registration.condition
        let message = "alert \(alertId) resolved: \(condition.metric) is \(value)"
        let engine = self.engine
        let alert = Alert(
            id: alertId, executionId: executionId, condition: condition, triggered: engine.clock.date(at: now),
            value: value, message: message)
        run({ _ in try await engine.log(executionId, .info, message) }, alert, executionId: executionId, what: "log")
        if let onResolve = registration.onResolve {
            run(onResolve, alert, executionId: executionId, what: "resolution of alert \(alertId)")
        }
    }

    /// Resolves every firing episode of a finished execution and stops watching it.
    private func resolveAll(_ executionId: String, now: Duration) {
        monitored.removeAll { $0 == executionId }
        for alertId in alertOrder {
            guard let registration = alerts[alertId], let episode = registration.episodes[executionId] else { continue }
            if episode.firing { resolve(alertId, registration, executionId, value: .nan, now: now) }
            alerts[alertId]?.episodes[executionId] = nil
        }
        updateSampler()
    }

    /// Runs a callback in its own task; a failure becomes an ERROR message on the execution.
    private func run(_ callback: @escaping AlertCallback, _ alert: Alert, executionId: String, what: String) {
        nextCallback += 1
        let key = nextCallback
        let engine = self.engine
        callbacks[key] = Task { [weak self] in
            do {
                try await callback(alert)
            } catch {
                try? await engine.log(executionId, .error, "callback of \(what) failed: \(error)")
            }
            await self?.callbackFinished(key)
        }
    }

    private func callbackFinished(_ key: Int) { callbacks[key] = nil }

    /// Runs the sampling loop while there is something to sample, and only then.
    private func updateSampler() {
        let needed = !alerts.isEmpty && !monitored.isEmpty && samplingInterval != nil
        if needed, sampler == nil, let interval = samplingInterval {
            let clock = engine.clock
            sampler = Task { [weak self] in
                while !Task.isCancelled {
                    await self?.sampleNow()
                    do { try await clock.sleep(for: interval) } catch { return }
                }
            }
        } else if !needed {
            sampler?.cancel()
            sampler = nil
        }
    }
}
