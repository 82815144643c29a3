import Foundation
import Testing
import TideCore
import TideTesting

@Suite("Engine lifecycle")
struct EngineLifecycleTests {
    @Test func execute_diamond_runsInDependencyOrder_andDependentsSeeUpstreamResults() async throws {
        let engine = DefaultExecutionEngine()
        let plan = ExecutionPlan(
            id: "diamond",
            tasks: [
                PlanTask(id: "a") { _ in 1 },
                PlanTask(id: "b", dependencies: ["a"]) { ctx in .int((ctx.upstreamResults["a"]?.intValue ?? 0) + 10) },
                PlanTask(id: "c", dependencies: ["a"]) { ctx in .int((ctx.upstreamResults["a"]?.intValue ?? 0) + 100) },
                PlanTask(id: "d", dependencies: ["b", "c"]) { ctx in
                    .int((ctx.upstreamResults["b"]?.intValue ?? 0) + (ctx.upstreamResults["c"]?.intValue ?? 0))
                },
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .completed)
        #expect(result.result == ["d": 112])
        #expect(result.eventTypes.first == .executionStarted)
        #expect(result.eventTypes.last == .executionCompleted)
        let completed = result.tasks(.taskCompleted)
        #expect(completed.first == "a")
        #expect(completed.last == "d")
        #expect(result.error == nil)
    }

    @Test func execute_invalidPlan_throwsInvalidPlanWithEveryProblem() async throws {
        let engine = DefaultExecutionEngine()
        let plan = ExecutionPlan(
            id: "bad", tasks: [PlanTask(id: "x", dependencies: ["y"], body: .noop), PlanTask(id: "x", body: .noop)])
        let error = await #expect(throws: TideError.self) { try await engine.execute(plan) }
        #expect(error?.code == .invalidPlan)
        #expect(error?.message.contains("used twice") == true)
        #expect(error?.message.contains("'y'") == true)
    }

    @Test func run_neverExceedsTheConcurrencyLimit() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let counter = Counter()
        let tasks = (0..<12).map { index in
            PlanTask(id: "t\(index)") { _ in
                await counter.enter()
                try await clock.sleep(for: .seconds(1))
                await counter.leave()
                return .null
            }
        }
        let id = try await engine.start(ExecutionPlan(id: "wide", maxConcurrency: 3, tasks: tasks))
        for _ in 0..<4 {
            try await clock.waitForSleepers(count: 3)
            clock.advance(by: .seconds(1))
        }
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        #expect(await counter.peak == 3)
    }

    @Test func pause_stopsNewTasks_resumeContinues() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let plan = ExecutionPlan(
            id: "chain", tasks: [sleeper("a", 1, clock: clock), sleeper("b", 1, after: ["a"], clock: clock)])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 1)
        try await engine.pause(id)
        #expect(try await engine.getStatus(id) == .paused)
        clock.advance(by: .seconds(1))  // a finishes while paused
        try await waitUntil { await engine.getResult(id)?.tasks(.taskCompleted) == ["a"] }
        #expect(clock.sleeperCount == 0)  // b did not start
        try await engine.resume(id)
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(1))
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        #expect(result.eventTypes.contains(.executionPaused))
        #expect(result.eventTypes.contains(.executionResumed))
    }

    @Test func pause_waitWhilePausedSuspendsRunningBodies() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let counter = Counter()
        let plan = ExecutionPlan(
            id: "cooperative",
            tasks: [
                PlanTask(id: "steps") { ctx in
                    for step in 0..<3 {
                        try await ctx.waitWhilePaused()
                        _ = await counter.increment("step")
                        try await clock.sleep(for: .seconds(1))
                        _ = step
                    }
                    return .null
                }
            ])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 1)
        try await engine.pause(id)
        clock.advance(by: .seconds(1))
        try await waitUntil { await counter.values["step"] == 1 && clock.sleeperCount == 0 }
        try await engine.resume(id)
        for _ in 0..<2 {
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .seconds(1))
        }
        #expect(try await engine.result(of: id).status == .completed)
        #expect(await counter.values["step"] == 3)
    }

    @Test func cancel_whileRunning_cancelsTasks_andEndsCancelled() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let plan = ExecutionPlan(
            id: "long",
            tasks: [
                sleeper("a", 100, clock: clock), sleeper("b", 100, clock: clock),
                sleeper("c", 1, after: ["a"], clock: clock),
            ])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 2)
        try await engine.cancel(id)
        let result = try await engine.result(of: id)
        #expect(result.status == .cancelled)
        #expect(result.eventTypes.last == .executionCancelled)
        #expect(!result.tasks(.taskStarted).contains("c"))
        #expect(result.completedAt != nil)
    }

    @Test func cancel_whenBodyIgnoresCancellation_endsAfterTheGracePeriod() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock, configuration: EngineConfiguration(cancelGracePeriod: .seconds(5)))
        let gate = Gate()
        let plan = ExecutionPlan(
            id: "stubborn",
            tasks: [
                PlanTask(id: "ignores") { _ in
                    await gate.wait()  // does not notice cancellation
                    return .null
                }
            ])
        let id = try await engine.start(plan)
        try await waitUntil { await gate.waiting == 1 }
        try await engine.cancel(id)
        try await clock.waitForSleepers(count: 1)  // the grace timer
        #expect(try await engine.getStatus(id) == .running)
        clock.advance(by: .seconds(5))
        let result = try await engine.result(of: id)
        #expect(result.status == .cancelled)
        await gate.open()
    }

    @Test func pause_rightAfterStart_works() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let id = try await engine.start(ExecutionPlan(id: "p", tasks: [sleeper("a", 1, clock: clock)]))
        try await engine.pause(id)
        #expect(try await engine.getStatus(id) == .paused)
        try await engine.cancel(id)
        #expect(try await engine.result(of: id).status == .cancelled)
    }

    @Test func illegalTransitions_throwClearErrors_andChangeNothing() async throws {
        let engine = DefaultExecutionEngine()
        let result = try await engine.execute(ExecutionPlan(id: "quick", tasks: [PlanTask(id: "a", body: .noop)]))
        let id = result.executionId
        for action in [engine.resume, engine.pause, engine.cancel] as [(String) async throws -> Void] {
            let error = await #expect(throws: TideError.self) { try await action(id) }
            #expect(error?.code == .illegalTransition)
        }
        #expect(try await engine.getStatus(id) == .completed)
        let unknown = await #expect(throws: TideError.self) { try await engine.pause("nope") }
        #expect(unknown?.code == .unknownExecution)
        #expect(await engine.getResult("nope") == nil)
    }

    @Test func taskTimeout_failsTheTaskWithTimeout_andDoesNotTickWhilePaused() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let plan = ExecutionPlan(
            id: "slow",
            tasks: [
                PlanTask(id: "slow", timeout: .seconds(10)) { _ in
                    try await clock.sleep(for: .seconds(60))
                    return .null
                }
            ])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 2)  // the body and the timeout timer
        try await engine.pause(id)
        clock.advance(by: .seconds(8))
        try await engine.resume(id)
        clock.advance(by: .seconds(5))  // 5 s active so far: the timer sleeps again
        try await clock.waitForSleepers(count: 2)
        #expect(try await engine.getStatus(id) == .running)
        clock.advance(by: .seconds(5))
        let result = try await engine.result(of: id)
        #expect(result.status == .failed)
        #expect(result.error?.code == "TIMEOUT")
        #expect(result.error?.taskId == "slow")
    }

    @Test func taskTimeout_whenTheBodyIsSlowToStop_failureAndEventAreDatedAtTheDeadline() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let gate = Gate()
        let cancelled = Gate()
        let plan = ExecutionPlan(
            id: "stubborn",
            tasks: [
                // Notices its cancellation (the timeout), then goes on until the test opens the
                // gate, as a body holding a shared Lua state would.
                PlanTask(id: "stubborn", timeout: .seconds(2)) { _ in
                    await withTaskCancellationHandler {
                        await gate.wait()
                    } onCancel: {
                        Task { await cancelled.open() }
                    }
                    return .null
                }
            ])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 1)  // the timeout timer
        clock.advance(by: .seconds(2))
        await cancelled.wait()  // the timeout has cancelled the body
        clock.advance(by: .seconds(7))  // the body is still not done when the engine time moves on
        await gate.open()
        let result = try await engine.result(of: id)
        let deadline = Date(timeIntervalSince1970: 1_000_002)
        #expect(result.error?.code == "TIMEOUT")
        #expect(result.error?.timestamp == deadline)
        let failed = result.timeline.first { $0.type == .taskFailed }
        #expect(failed?.timestamp == deadline, "\(String(describing: failed))")
    }

    @Test func executionTimeout_failsTheExecutionWithTimeout() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let plan = ExecutionPlan(id: "bounded", timeout: .seconds(30), tasks: [sleeper("forever", 3600, clock: clock)])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .seconds(30))
        let result = try await engine.result(of: id)
        #expect(result.status == .failed)
        #expect(result.error?.code == "TIMEOUT")
        #expect(result.error?.message.contains("execution exceeded") == true)
    }

    @Test func failurePolicy_continueIndependent_finishesOtherBranches_andSkipsDependents() async throws {
        let engine = DefaultExecutionEngine()
        let plan = ExecutionPlan(
            id: "graceful", failurePolicy: .continueIndependent,
            tasks: [
                PlanTask(id: "bad") { _ in throw Boom() },
                PlanTask(id: "after-bad", dependencies: ["bad"], body: .noop),
                PlanTask(id: "good") { _ in "ok" },
                PlanTask(id: "after-good", dependencies: ["good"]) { _ in "fine" },
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .failed)
        #expect(result.error?.code == "TASK_ERROR")
        #expect(Set(result.tasks(.taskCompleted)) == ["good", "after-good"])
        #expect(result.result == ["after-good": "fine"])
        #expect(result.timeline.contains { $0.taskId == "after-bad" && $0.data?["code"] == "SKIPPED" })
    }

    @Test func failurePolicy_abort_cancelsTheRest() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let plan = ExecutionPlan(
            id: "abort",
            tasks: [
                PlanTask(id: "bad") { _ in throw ExecutionError(code: "DISK_FULL", message: "no space") },
                sleeper("long", 3600, clock: clock),
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .failed)
        #expect(result.error?.code == "DISK_FULL")
        #expect(result.error?.taskId == "bad")
    }
}

/// Polls `condition`, yielding between checks (no sleeping), up to a generous number of tries.
func waitUntil(_ condition: () async throws -> Bool) async throws {
    for _ in 0..<100_000 {
        if try await condition() { return }
        await Task.yield()
    }
    Issue.record("condition never became true")
}
