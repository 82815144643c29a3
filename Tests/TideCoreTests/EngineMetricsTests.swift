import Testing
import TideCore
import TideTesting

@Suite("Engine metrics")
struct EngineMetricsTests {
    /// a: 0–2 s (quality 0.5), b: 0–3 s (quality 1.0), c after a: fails at 2 s, retried, 2–3 s.
    /// Then a gap: d after b and c waits 1 s of nothing? No: d runs 3–4 s. Total 4 s.
    @Test func metrics_onAManualClock_areExact() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "retry-once", applicableErrors: ["FLAKY"]) { _ in
                RecoveryResult(success: true, action: .retry, message: "again")
            })
        let counter = Counter()
        let plan = ExecutionPlan(
            id: "measured", maxConcurrency: 4,
            tasks: [
                PlanTask(id: "a") { ctx in
                    try await clock.sleep(for: .seconds(2))
                    await ctx.reportQuality(0.5)
                    return .null
                },
                PlanTask(id: "b") { ctx in
                    try await clock.sleep(for: .seconds(3))
                    await ctx.reportQuality(1.0)
                    return .null
                },
                PlanTask(id: "c", dependencies: ["a"]) { _ in
                    if await counter.increment("c") == 1 {
                        throw ExecutionError(code: "FLAKY", message: "first try fails")
                    }
                    try await clock.sleep(for: .seconds(1))
                    return .null
                },
                PlanTask(id: "d", dependencies: ["b", "c"]) { _ in
                    try await clock.sleep(for: .seconds(1))
                    return .null
                },
            ])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .seconds(2))  // a done; c fails then sleeps
        try await clock.waitForSleepers(count: 2)  // b and c's retry
        clock.advance(by: .seconds(1))  // b and c done
        try await clock.waitForSleepers(count: 1)  // d
        clock.advance(by: .seconds(1))
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        let metrics = result.metrics
        #expect(metrics.totalDuration == 4000)
        #expect(metrics.effectiveDuration == 4000)
        #expect(metrics.qualityScore == 0.75)
        #expect(metrics.successRate == 1)
        #expect(metrics.throughput == 1)  // 4 tasks in 4 s
        #expect(metrics.errorRate == 0.2)  // 1 failed attempt of 5
        #expect(metrics.totalCost == 0)
        #expect(metrics.resourceEfficiency == 1)
    }

    @Test func effectiveDuration_excludesTimeWithNoTaskRunning() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let plan = ExecutionPlan(id: "gappy", tasks: [sleeper("a", 2, clock: clock)])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 1)
        try await engine.pause(id)
        clock.advance(by: .seconds(2))  // a finishes while paused
        try await waitUntil { await engine.getResult(id)?.tasks(.taskCompleted) == ["a"] }
        clock.advance(by: .seconds(3))  // nothing runs
        try await engine.resume(id)
        let result = try await engine.result(of: id)
        #expect(result.metrics.totalDuration == 5000)
        #expect(result.metrics.effectiveDuration == 2000)
    }

    @Test func successRate_andErrorRate_countFailuresAndSkips() async throws {
        let engine = DefaultExecutionEngine()
        let plan = ExecutionPlan(
            id: "mixed", failurePolicy: .continueIndependent,
            tasks: [
                PlanTask(id: "ok1", body: .noop), PlanTask(id: "ok2", body: .noop),
                PlanTask(id: "bad") { _ in throw Boom() },
                PlanTask(id: "blocked", dependencies: ["bad"], body: .noop),
            ])
        let result = try await engine.execute(plan)
        #expect(result.metrics.successRate == 0.5)  // 2 of 4 finished tasks completed
        #expect(result.metrics.errorRate == 1.0 / 3.0)  // 1 failed of 3 attempts
    }

    @Test func progress_andMonitor_reportTheFinalState() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let plan = ExecutionPlan(
            id: "watched", tasks: [sleeper("a", 1, clock: clock), sleeper("b", 1, after: ["a"], clock: clock)])
        let id = try await engine.start(plan)
        let updates = try await engine.monitor(id)
        let collector = Task {
            var seen: [ExecutionUpdate] = []
            for await update in updates { seen.append(update) }
            return seen
        }
        for _ in 0..<2 {
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .seconds(1))
        }
        let seen = await collector.value
        let last = try #require(seen.last)
        #expect(last.status == .completed)
        #expect(last.progress.percentage == 100)
        #expect(last.progress.completedTasks == 2)
        #expect(last.progress.totalTasks == 2)
        let events = seen.flatMap(\.events).map(\.type)
        #expect(events.first == .executionStarted)
        #expect(events.last == .executionCompleted)
    }

    @Test func stalledMonitor_neverSlowsTheRun_andStillGetsTheFinalUpdate() async throws {
        let engine = DefaultExecutionEngine()
        let plan = ExecutionPlan(
            id: "many", maxConcurrency: 16, tasks: (0..<3000).map { PlanTask(id: "t\($0)", body: .noop) })
        let id = try await engine.start(plan)
        let updates = try await engine.monitor(id)  // never read until the end
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        var iterator = updates.makeAsyncIterator()
        let merged = try #require(await iterator.next())
        #expect(merged.status == .completed)
        #expect(merged.events.count <= ExecutionUpdates.eventLimit)
        #expect(merged.events.last?.type == .executionCompleted)
        #expect(await iterator.next() == nil)
    }

    @Test func subscribe_deliversUpdates_untilUnsubscribed() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let counter = Counter()
        let id = try await engine.start(ExecutionPlan(id: "s", tasks: [sleeper("a", 1, clock: clock)]))
        let subscription = try await engine.subscribe(id) { update in
            Task { _ = await counter.increment(update.status.rawValue) }
        }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(1))
        _ = try await engine.result(of: id)
        try await waitUntil { await counter.values["COMPLETED"] == 1 }
        #expect(await counter.values["PENDING", default: 0] + counter.values["RUNNING", default: 0] >= 1)
        await engine.unsubscribe(id, subscription)
    }
}
