import Testing
import TideCore
import TideTesting

@Suite("Engine under load")
struct EngineUnderLoadTests {
    private func wave(_ count: Int, clock: ManualClock) -> [PlanTask] {
        (0..<count).map { sleeper("t\($0)", 1, clock: clock) }
    }

    @Test func pauseResumeCancel_duringA500TaskRun_behave() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let id = try await engine.start(ExecutionPlan(id: "load", maxConcurrency: 50, tasks: wave(500, clock: clock)))
        try await clock.waitForSleepers(count: 50)
        try await engine.pause(id)
        clock.advance(by: .seconds(1))  // the first wave finishes while paused
        try await waitUntil { await engine.getResult(id)?.tasks(.taskCompleted).count == 50 }
        #expect(clock.sleeperCount == 0)
        #expect(await engine.getResult(id)?.tasks(.taskStarted).count == 50)  // nothing new started

        try await engine.resume(id)
        try await clock.waitForSleepers(count: 50)
        clock.advance(by: .seconds(1))
        try await clock.waitForSleepers(count: 50)  // third wave running
        try await engine.cancel(id)
        let result = try await engine.result(of: id)
        #expect(result.status == .cancelled)
        #expect(result.tasks(.taskCompleted).count == 100)
        #expect(result.tasks(.taskStarted).count == 150)
        #expect(result.timeline.filter { $0.type == .taskFailed && $0.data?["code"] == "CANCELLED" }.count == 50)
    }

    @Test func setConcurrency_whileRunning_changesHowManyRunAtOnce() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let id = try await engine.start(ExecutionPlan(id: "scale", maxConcurrency: 2, tasks: wave(20, clock: clock)))
        try await clock.waitForSleepers(count: 2)
        try await engine.setConcurrency(id, 10)
        try await clock.waitForSleepers(count: 10)
        #expect(clock.sleeperCount == 10)
        try await engine.setConcurrency(id, 4)
        clock.advance(by: .seconds(1))  // ten finish; only four may start now
        try await clock.waitForSleepers(count: 4)
        try await waitUntil { await engine.getResult(id)?.tasks(.taskStarted).count == 14 }
        #expect(clock.sleeperCount == 4)
        try await engine.cancel(id)
        #expect(try await engine.result(of: id).status == .cancelled)
    }

    @Test func bodies_emitEventsAndLogAtEveryLevel() async throws {
        let engine = DefaultExecutionEngine()
        let plan = ExecutionPlan(
            id: "chatty",
            tasks: [
                PlanTask(id: "talker") { ctx in
                    for level in MessageLevel.allCases {
                        try await ctx.log(
                            level, "a \(level.rawValue) message", context: ["level": .string(level.rawValue)])
                    }
                    try await ctx.emit("rows exported", data: ["rows": 42])
                    await ctx.reportPhase("exporting")
                    return .null
                }
            ])
        let id = try await engine.start(plan)
        let updates = try await engine.monitor(id)
        var messages: [ExecutionMessage] = []
        for await update in updates { messages += update.messages }
        let result = try await engine.result(of: id)
        #expect(messages.map(\.level) == MessageLevel.allCases)
        #expect(messages.allSatisfy { $0.taskId == "talker" })
        let custom = try #require(result.timeline.first { $0.type == .custom })
        #expect(custom.description == "rows exported")
        #expect(custom.data == ["rows": 42])
    }

    @Test func restoreFromCheckpoint_ofACancelledExecution_runsTheRest() async throws {
        let clock = ManualClock()
        let engine = makeEngine(clock: clock)
        let counter = Counter()
        let plan = ExecutionPlan(
            id: "again",
            tasks: [
                PlanTask(id: "first") { _ in
                    _ = await counter.increment("first")
                    return "done"
                },
                PlanTask(id: "second", dependencies: ["first"]) { _ in
                    try await clock.sleep(for: .seconds(10))
                    return "second"
                },
            ])
        let id = try await engine.start(plan)
        try await clock.waitForSleepers(count: 1)
        let checkpoint = try await engine.createCheckpoint(id)
        try await engine.cancel(id)
        #expect(try await engine.result(of: id).status == .cancelled)
        try await engine.restoreFromCheckpoint(checkpoint.id)
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(10))
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        #expect(result.result == ["second": "second"])
        #expect(await counter.values["first"] == 1)
    }

    @Test func automaticCheckpoints_onAnInterval() async throws {
        let clock = ManualClock()
        let engine = makeEngine(
            clock: clock, configuration: EngineConfiguration(checkpointPolicy: CheckpointPolicy(interval: .seconds(60)))
        )
        let id = try await engine.start(ExecutionPlan(id: "timed", tasks: [sleeper("long", 150, clock: clock)]))
        try await clock.waitForSleepers(count: 2)  // the task and the checkpoint timer
        clock.advance(by: .seconds(60))
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .seconds(60))
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .seconds(30))
        _ = try await engine.result(of: id)
        let reasons = try await engine.checkpoints(of: id).map { $0.metadata["reason"] }
        #expect(reasons == ["interval", "interval"])
    }
}
