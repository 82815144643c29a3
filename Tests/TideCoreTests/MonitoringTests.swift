import Testing
import TideCore
import TideTesting

@Suite("Monitoring and alerts")
struct MonitoringTests {
    /// An engine, a monitoring system sampled by hand, and an execution whose one task runs `seconds`.
    private func setUp(taskSeconds: Int, clock: ManualClock) async throws -> (DefaultMonitoringSystem, String) {
        let engine = makeEngine(clock: clock)
        let monitoring = DefaultMonitoringSystem(engine: engine, samplingInterval: nil)
        let id = try await engine.start(
            ExecutionPlan(id: "watched", tasks: [sleeper("work", taskSeconds, clock: clock)]))
        try await monitoring.startMonitoring(id)
        try await clock.waitForSleepers(count: 1)
        return (monitoring, id)
    }

    /// Samples once per second for `seconds` seconds, then once more.
    private func sample(_ monitoring: DefaultMonitoringSystem, clock: ManualClock, seconds: Int) async {
        for _ in 0..<seconds {
            await monitoring.sampleNow()
            clock.advance(by: .seconds(1))
            await Task.yield()
        }
        await monitoring.sampleNow()
    }

    private let busyFor30s = AlertCondition(metric: "running_tasks", operator: .gt, threshold: 0, duration: 30_000)

    @Test func condition_heldFor29sOfA30sDuration_neverFires() async throws {
        let clock = ManualClock()
        let (monitoring, _) = try await setUp(taskSeconds: 29, clock: clock)
        let fired = Counter()
        _ = try await monitoring.setAlert(busyFor30s) { _ in _ = await fired.increment("fired") }
        await sample(monitoring, clock: clock, seconds: 40)
        #expect(await fired.values["fired"] == nil)
    }

    @Test func condition_heldFor30s_firesExactlyOnce_andResolves() async throws {
        let clock = ManualClock()
        let (monitoring, id) = try await setUp(taskSeconds: 45, clock: clock)
        let counter = Counter()
        _ = try await monitoring.setAlert(
            busyFor30s,
            { alert in
                #expect(alert.value == 1)
                #expect(alert.executionId == id)
                _ = await counter.increment("fired")
            }, onResolve: { _ in _ = await counter.increment("resolved") })
        await sample(monitoring, clock: clock, seconds: 60)
        try await waitUntil { await counter.values["resolved"] == 1 }
        #expect(await counter.values["fired"] == 1)
    }

    @Test func flappingCondition_neverFires() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let monitoring = DefaultMonitoringSystem(engine: engine, samplingInterval: nil)
        let plan = ExecutionPlan(
            id: "flap", maxConcurrency: 1,
            tasks: (0..<4).map { index in
                PlanTask(id: "t\(index)", dependencies: index == 0 ? [] : ["t\(index - 1)"]) { ctx in
                    try await clock.sleep(for: .seconds(20))
                    await ctx.reportQuality(index % 2 == 0 ? 0.2 : 1.0)
                    return .null
                }
            })
        let id = try await engine.start(plan)
        try await monitoring.startMonitoring(id)
        let fired = Counter()
        // quality below 0.5 for 30 s: it dips below for 20 s at a time, then recovers
        _ = try await monitoring.setAlert(
            AlertCondition(metric: "qualityScore", operator: .lt, threshold: 0.5, duration: 30_000)
        ) { _ in _ = await fired.increment("fired") }
        for _ in 0..<4 {
            try await clock.waitForSleepers(count: 1)
            await sample(monitoring, clock: clock, seconds: 20)
        }
        #expect(await fired.values["fired"] == nil)
    }

    @Test func throwingCallback_isLoggedOnTheExecution_andSamplingGoesOn() async throws {
        let clock = ManualClock()
        let (monitoring, id) = try await setUp(taskSeconds: 10, clock: clock)
        let counter = Counter()
        _ = try await monitoring.setAlert(AlertCondition(metric: "running_tasks", operator: .gte, threshold: 1)) { _ in
            throw Boom()
        }
        _ = try await monitoring.setAlert(AlertCondition(metric: "progress", operator: .lt, threshold: 100)) { _ in
            _ = await counter.increment("second")
        }
        await monitoring.sampleNow()
        try await waitUntil { await counter.values["second"] == 1 }
        try await waitUntil {
            try await messagesOf(id, in: monitoring.engine).contains {
                $0.level == .error && $0.message.contains("boom")
            }
        }
    }

    @Test func slowCallback_doesNotStallSampling() async throws {
        let clock = ManualClock()
        let (monitoring, _) = try await setUp(taskSeconds: 10, clock: clock)
        let gate = Gate()
        let counter = Counter()
        _ = try await monitoring.setAlert(AlertCondition(metric: "running_tasks", operator: .gte, threshold: 1)) { _ in
            await gate.wait()
        }
        _ = try await monitoring.setAlert(AlertCondition(metric: "execution_duration", operator: .gte, threshold: 2000))
        { _ in
            _ = await counter.increment("later")
        }
        await sample(monitoring, clock: clock, seconds: 3)
        try await waitUntil { await counter.values["later"] == 1 }
        await gate.open()
    }

    @Test func setAlert_withUnknownMetric_isRejected() async throws {
        let engine = DefaultExecutionEngine(
            configuration: EngineConfiguration(pools: [ResourcePool(type: "gpu", capacity: 2)]))
        let monitoring = DefaultMonitoringSystem(engine: engine, samplingInterval: nil)
        let error = await #expect(throws: TideError.self) {
            try await monitoring.setAlert(AlertCondition(metric: "cpu_usag", operator: .gt, threshold: 90)) { _ in }
        }
        #expect(error?.code == .unknownMetric)
        #expect(error?.message.contains("cpu_usage") == true)
        _ = try await monitoring.setAlert(
            AlertCondition(metric: "resource.gpu.utilization", operator: .gt, threshold: 0.9)
        ) { _ in }
        _ = try await monitoring.setAlert(AlertCondition(metric: "memory_usage", operator: .gt, threshold: 1e12)) { _ in
        }
    }

    @Test func getters_answerForAnExecution() async throws {
        let engine = DefaultExecutionEngine()
        let monitoring = DefaultMonitoringSystem(engine: engine)
        let result = try await engine.execute(ExecutionPlan(id: "g", tasks: [PlanTask(id: "a", body: .noop)]))
        #expect(try await monitoring.getMetrics(result.executionId).successRate == 1)
        #expect(try await monitoring.getTimeline(result.executionId).count == result.timeline.count)
        #expect(try await monitoring.getResourceUsage(result.executionId).isEmpty)
        await #expect(throws: TideError.self) { try await monitoring.startMonitoring("nope") }
    }
}

/// The messages an execution has logged (read through a monitor's first snapshot).
func messagesOf(_ id: String, in engine: DefaultExecutionEngine) async throws -> [ExecutionMessage] {
    var iterator = try await engine.monitor(id).makeAsyncIterator()
    return await iterator.next()?.messages ?? []
}
