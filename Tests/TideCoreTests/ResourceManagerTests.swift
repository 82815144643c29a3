import Foundation
import Testing
import TideCore
import TideTesting

@Suite("Resource manager")
struct ResourceManagerTests {
    private func manager(_ clock: ManualClock, agingInterval: Duration = .seconds(10)) -> ResourceManager {
        ResourceManager(
            pools: [
                ResourcePool(
                    type: "computational", capacity: 4, costPerUnitSecond: 0.5,
                    attributes: ["memory": 8192, "gpu": false]),
                ResourcePool(id: "gpu-a", type: "gpu", capacity: 1, attributes: ["gpu": true, "memory": 16384]),
                ResourcePool(type: "memory", capacity: 16384),
            ],
            clock: EngineClock(clock), agingInterval: agingInterval)
    }

    /// Starts an allocation in a task and waits until it is queued (it must not be granted at once).
    private func queued(
        _ resources: ResourceManager, _ requirements: [ResourceRequirement], after count: Int
    ) async throws -> Task<[Resource], any Error> {
        let task = Task { try await resources.allocate(requirements) }
        try await waitUntil { resources.waitingCount == count }
        return task
    }

    @Test func allocate_isAllOrNothing_andHoldsNothingWhileWaiting() async throws {
        let resources = manager(ManualClock())
        let first = try await resources.allocate([ResourceRequirement(type: "computational", amount: 3)])
        let waiting = try await queued(
            resources,
            [ResourceRequirement(type: "computational", amount: 2), ResourceRequirement(type: "memory", amount: 100)],
            after: 1)
        #expect(resources.utilization(of: "memory") == 0)  // nothing held while waiting
        resources.release(first.map(\.id))
        let granted = try await waiting.value
        #expect(granted.map(\.type) == ["computational", "memory"])
        resources.release(granted.map(\.id))
        #expect(resources.utilization(of: "computational") == 0)
    }

    @Test func waitingRequests_areServedByPriority_thenFIFO() async throws {
        let resources = manager(ManualClock())
        let all = try await resources.allocate([ResourceRequirement(type: "computational", amount: 4)])
        let low = try await queued(
            resources, [ResourceRequirement(type: "computational", amount: 4, priority: 1)], after: 1)
        let highFirst = try await queued(
            resources, [ResourceRequirement(type: "computational", amount: 4, priority: 9)], after: 2)
        let highSecond = try await queued(
            resources, [ResourceRequirement(type: "computational", amount: 4, priority: 9)], after: 3)
        resources.release(all.map(\.id))
        let first = try await highFirst.value
        #expect(resources.waitingCount == 2)
        resources.release(first.map(\.id))
        let second = try await highSecond.value
        resources.release(second.map(\.id))
        resources.release(try await low.value.map(\.id))
    }

    @Test func aBlockedLargeRequest_isNotOvertakenBySmallOnes() async throws {
        let resources = manager(ManualClock())
        let held = try await resources.allocate([ResourceRequirement(type: "computational", amount: 2)])
        let large = try await queued(resources, [ResourceRequirement(type: "computational", amount: 4)], after: 1)
        let small = try await queued(resources, [ResourceRequirement(type: "computational", amount: 1)], after: 2)
        #expect(resources.utilization(of: "computational") == 0.5)  // the small one fits but waits
        resources.release(held.map(\.id))
        let granted = try await large.value
        #expect(resources.waitingCount == 1)
        resources.release(granted.map(\.id))
        resources.release(try await small.value.map(\.id))
    }

    @Test func aging_letsALongWaitingLowPriorityRequestGoFirst() async throws {
        let clock = ManualClock()
        let resources = manager(clock, agingInterval: .seconds(10))
        let held = try await resources.allocate([ResourceRequirement(type: "computational", amount: 4)])
        let old = try await queued(
            resources, [ResourceRequirement(type: "computational", amount: 4, priority: 2)], after: 1)
        clock.advance(by: .seconds(60))  // +6: effective priority 8
        let fresh = try await queued(
            resources, [ResourceRequirement(type: "computational", amount: 4, priority: 7)], after: 2)
        resources.release(held.map(\.id))
        let granted = try await old.value
        #expect(resources.waitingCount == 1)
        resources.release(granted.map(\.id))
        resources.release(try await fresh.value.map(\.id))
    }

    @Test func impossibleRequests_failAtOnce_withClearErrors() async throws {
        let resources = manager(ManualClock())
        let cases: [(ResourceRequirement, TideError.Code)] = [
            (ResourceRequirement(type: "quantum", amount: 1), .resourceUnavailable),
            (ResourceRequirement(type: "computational", amount: 5), .resourceUnavailable),
            (
                ResourceRequirement(type: "computational", amount: 1, constraints: ["minMemory": 65536]),
                .resourceUnavailable
            ),
            (
                ResourceRequirement(type: "computational", amount: 1, constraints: ["colour": "blue"]),
                .invalidResourceRequest
            ),
            (ResourceRequirement(type: "computational", amount: -1), .invalidResourceRequest),
        ]
        for (requirement, code) in cases {
            let error = await #expect(throws: TideError.self) { try await resources.allocate([requirement]) }
            #expect(error?.code == code, "\(requirement)")
        }
        #expect(resources.waitingCount == 0)
    }

    @Test func constraints_pickAMatchingPool() async throws {
        let resources = manager(ManualClock())
        let granted = try await resources.allocate([
            ResourceRequirement(
                type: "computational", amount: 2, constraints: ["minMemory": 8192, "gpuRequired": false]),
            ResourceRequirement(type: "gpu", amount: 1, constraints: ["gpuRequired": true, "minMemory": 12000]),
        ])
        #expect(granted.map(\.id).first?.hasPrefix("computational") == true)
        #expect(granted.last?.id.hasPrefix("gpu-a") == true)
        resources.release(granted.map(\.id))
    }

    @Test func waitingRequest_withTimeout_failsUnavailable_andIsWithdrawn() async throws {
        let clock = ManualClock()
        let resources = manager(clock)
        let held = try await resources.allocate([ResourceRequirement(type: "gpu", amount: 1)])
        let waiting = Task {
            try await resources.allocate([ResourceRequirement(type: "gpu", amount: 1)], timeout: .seconds(5))
        }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(5))
        let error = await #expect(throws: TideError.self) { try await waiting.value }
        #expect(error?.code == .resourceUnavailable)
        #expect(resources.waitingCount == 0)
        resources.release(held.map(\.id))
    }

    @Test func waitingRequest_whenItsTaskIsCancelled_isWithdrawn() async throws {
        let resources = manager(ManualClock())
        let held = try await resources.allocate([ResourceRequirement(type: "gpu", amount: 1)])
        let waiting = try await queued(resources, [ResourceRequirement(type: "gpu", amount: 1)], after: 1)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(resources.waitingCount == 0)
        resources.release(held.map(\.id))
        #expect(resources.utilization(of: "gpu") == 0)
    }

    @Test func usage_chargesAmountTimesUnitCostTimesSecondsHeld() async throws {
        let clock = ManualClock()
        let resources = manager(clock)
        let granted = try await resources.allocate([ResourceRequirement(type: "computational", amount: 2)])
        clock.advance(by: .seconds(4))
        let usage = try #require(resources.release(granted.map(\.id), busy: [granted[0].id: .seconds(3)]).first)
        #expect(usage.cost == 4)  // 2 × 0.5 × 4 s
        #expect(usage.efficiency == 0.75)
        #expect(usage.amountUsed == 2)
        #expect(usage.endTime != nil)
    }
}

@Suite("Engine resources")
struct EngineResourceTests {
    private func engine(_ clock: ManualClock) -> DefaultExecutionEngine {
        makeEngine(
            clock: clock,
            configuration: EngineConfiguration(
                cancelGracePeriod: .seconds(1),
                pools: [ResourcePool(type: "computational", capacity: 4, costPerUnitSecond: 0.5)]))
    }

    private func task(_ id: String, seconds: Int, clock: ManualClock, fails: Bool = false, timeout: Duration? = nil)
        -> PlanTask
    {
        PlanTask(id: id, resources: [ResourceRequirement(type: "computational", amount: 2)], timeout: timeout) { _ in
            try await clock.sleep(for: .seconds(seconds))
            if fails { throw Boom() }
            return .null
        }
    }

    @Test func tasks_allocateBeforeRunning_releaseAfter_andAreCharged() async throws {
        let clock = ManualClock()
        let engine = engine(clock)
        let id = try await engine.start(
            ExecutionPlan(
                id: "r",
                tasks: [
                    task("a", seconds: 4, clock: clock), task("b", seconds: 4, clock: clock),
                    task("c", seconds: 4, clock: clock),
                ]))
        try await clock.waitForSleepers(count: 2)  // only two fit at once
        let checkpoint = try await engine.createCheckpoint(id)
        #expect(checkpoint.state.resourceAllocations.count == 2)
        clock.advance(by: .seconds(4))
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(4))
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        #expect(result.resourceUsage.count == 3)
        #expect(result.metrics.totalCost == 12)  // 3 × 2 units × 0.5 × 4 s
        #expect(result.metrics.resourceEfficiency == 1)
        #expect(result.tasks(.resourceAllocated).count == 3)
        #expect(result.tasks(.resourceReleased).count == 3)
        #expect(engine.resources.utilization(of: "computational") == 0)
    }

    @Test func pausingWhileHolding_lowersEfficiency() async throws {
        let clock = ManualClock()
        let engine = engine(clock)
        let plan = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a", resources: [ResourceRequirement(type: "computational", amount: 1)]) { ctx in
                    try await clock.sleep(for: .seconds(1))
                    try await ctx.waitWhilePaused()
                    try await clock.sleep(for: .seconds(2))
                    return .null
                }
            ])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 1)
        try await engine.pause(id)
        clock.advance(by: .seconds(1))
        clock.advance(by: .seconds(1))  // still paused: 2 s of pause in all
        try await engine.resume(id)
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(2))
        let result = try await engine.result(of: id)
        #expect(result.metrics.resourceEfficiency == 0.5)  // paused from 0 s to 2 s of the 4 s held
    }

    @Test func everyAllocationIsReleased_onFailureTimeoutAndCancel() async throws {
        let clock = ManualClock()
        let engine = engine(clock)
        let failing = try await engine.start(
            ExecutionPlan(id: "f", tasks: [task("x", seconds: 1, clock: clock, fails: true)]))
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(1))
        #expect(try await engine.result(of: failing).status == .failed)
        #expect(engine.resources.utilization(of: "computational") == 0)

        let slow = try await engine.start(
            ExecutionPlan(id: "t", tasks: [task("y", seconds: 60, clock: clock, timeout: .seconds(2))]))
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .seconds(2))
        #expect(try await engine.result(of: slow).error?.code == "TIMEOUT")
        #expect(engine.resources.utilization(of: "computational") == 0)

        let cancelled = try await engine.start(
            ExecutionPlan(
                id: "c",
                tasks: [
                    task("z1", seconds: 60, clock: clock), task("z2", seconds: 60, clock: clock),
                    task("z3", seconds: 60, clock: clock),
                ]))
        try await clock.waitForSleepers(count: 2)  // z3 waits for resources
        try await engine.cancel(cancelled)
        #expect(try await engine.result(of: cancelled).status == .cancelled)
        #expect(engine.resources.utilization(of: "computational") == 0)
        #expect(engine.resources.waitingCount == 0)
    }

    @Test func impossibleTaskRequirement_failsTheTaskWithResourceUnavailable() async throws {
        let engine = DefaultExecutionEngine(
            configuration: EngineConfiguration(pools: [ResourcePool(type: "gpu", capacity: 1)]))
        let plan = ExecutionPlan(
            id: "i", tasks: [PlanTask(id: "big", resources: [ResourceRequirement(type: "gpu", amount: 2)], body: .noop)]
        )
        let result = try await engine.execute(plan)
        #expect(result.status == .failed)
        #expect(result.error?.code == "RESOURCE_UNAVAILABLE")
        #expect(result.error?.recoverable == true)
    }

    @Test func allocateResources_andRelease_fromOutsideTasks() async throws {
        let engine = DefaultExecutionEngine(
            configuration: EngineConfiguration(pools: [ResourcePool(type: "memory", capacity: 16384)]))
        let granted = try await engine.allocateResources([
            ResourceRequirement(type: "memory", amount: 4096, duration: 3_600_000, priority: 7)
        ])
        #expect(granted.count == 1)
        try await engine.releaseResources(granted.map(\.id))
        let error = await #expect(throws: TideError.self) { try await engine.releaseResources(granted.map(\.id)) }
        #expect(error?.code == .unknownResource)
        #expect(await engine.releasedResourceUsage().count == 1)
    }
}
