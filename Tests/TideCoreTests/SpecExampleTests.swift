import Testing
import TideCore
import TideTesting

/// The spec's "Resource Management" and "Monitoring and Alerting" examples, in Swift.
@Suite("Spec examples")
struct SpecExampleTests {
    @Test func resourceManagementExample_allocatesAndReleases() async throws {
        let engine = DefaultExecutionEngine(
            configuration: EngineConfiguration(pools: [
                ResourcePool(type: "computational", capacity: 16, attributes: ["memory": 65_536, "gpu": false]),
                ResourcePool(type: "memory", capacity: 65_536),
            ]))
        // Resource allocation example
        let requirements: [ResourceRequirement] = [
            ResourceRequirement(
                type: "computational",
                amount: 4,
                duration: 3_600_000,  // 1 hour
                priority: 8,
                constraints: [
                    "minMemory": 8192,
                    "gpuRequired": false,
                ]
            ),
            ResourceRequirement(
                type: "memory",
                amount: 16384,
                duration: 3_600_000,
                priority: 7
            ),
        ]
        let allocatedResources = try await engine.allocateResources(requirements)
        #expect(allocatedResources.map(\.type) == ["computational", "memory"])
        // Use resources...
        // Release when done
        let resourceIds = allocatedResources.map(\.id)
        try await engine.releaseResources(resourceIds)
        #expect(engine.resources.utilization(of: "computational") == 0)
    }

    @Test func monitoringExample_setsAndRemovesAlerts() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let executionId = try await engine.start(
            ExecutionPlan(id: "long", tasks: [sleeper("work", 3 * 3600, clock: clock)]))
        let monitoring = DefaultMonitoringSystem(engine: engine, samplingInterval: nil)
        let seen = Counter()

        // Start monitoring
        try await monitoring.startMonitoring(executionId)

        // Set up alerts
        let highCpuAlert = try await monitoring.setAlert(
            AlertCondition(
                metric: "cpu_usage",
                operator: .gt,
                threshold: 90,
                duration: 30000  // Alert if CPU > 90% for 30 seconds
            )
        ) { alert in
            print("ALERT: High CPU usage detected: \(alert.value)%")
        }
        let longExecutionAlert = try await monitoring.setAlert(
            AlertCondition(
                metric: "execution_duration",
                operator: .gt,
                threshold: 7_200_000  // 2 hours
            )
        ) { alert in
            _ = await seen.increment("long")
            print("ALERT: Execution taking longer than expected: \(alert.value)ms")
        }
        try await clock.waitForSleepers(count: 1)
        await monitoring.sampleNow()
        clock.advance(by: .seconds(2 * 3600 + 1))
        await monitoring.sampleNow()
        try await waitUntil { await seen.values["long"] == 1 }

        // Remove alerts when done
        await monitoring.removeAlert(highCpuAlert)
        await monitoring.removeAlert(longExecutionAlert)
        try await engine.cancel(executionId)
    }
}
