import Testing
import TideCore
import TideTesting

@Suite("Engine recovery and checkpoints")
struct EngineRecoveryTests {
    private func failingOnce(_ id: String, code: String, counter: Counter, dependencies: [String] = []) -> PlanTask {
        PlanTask(id: id, dependencies: dependencies) { ctx in
            if await counter.increment(id) == 1 { throw ExecutionError(code: code, message: "first attempt fails") }
            return .string("\(id) attempt \(ctx.attempt)")
        }
    }

    @Test func retry_appliesNewState_andRunsTheTaskAgain() async throws {
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "retry", applicableErrors: ["NETWORK_TIMEOUT"]) { context in
                var state = context.state
                state.variables["retry_count"] = .int((state.variables["retry_count"]?.intValue ?? 0) + 1)
                return RecoveryResult(success: true, action: .retry, newState: state, message: "retrying")
            })
        let counter = Counter()
        let plan = ExecutionPlan(
            id: "r",
            tasks: [
                failingOnce("fetch", code: "NETWORK_TIMEOUT", counter: counter),
                PlanTask(id: "report", dependencies: ["fetch"]) { ctx in await ctx.variable("retry_count") ?? .null },
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .completed)
        #expect(result.result == ["report": 1])
        let recovery = try #require(result.timeline.first { $0.type == .recoveryInitiated })
        #expect(recovery.data?["action"] == "RETRY")
        #expect(recovery.data?["strategyId"] == "retry")
        #expect(result.tasks(.taskStarted).filter { $0 == "fetch" }.count == 2)
    }

    @Test func skip_letsDependentsRunWithoutTheResult() async throws {
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "skip", applicableErrors: ["*"]) { _ in
                RecoveryResult(success: true, action: .skip, message: "optional")
            })
        let plan = ExecutionPlan(
            id: "s",
            tasks: [
                PlanTask(id: "optional") { _ in throw Boom() },
                PlanTask(id: "next", dependencies: ["optional"]) { ctx in .bool(ctx.upstreamResults["optional"] == nil)
                },
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .completed)
        #expect(result.result == ["next": true])
    }

    @Test func fallback_runsTheFallbackBody() async throws {
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "fallback", applicableErrors: ["TASK_ERROR"]) { _ in
                RecoveryResult(success: true, action: .fallback, message: "use the cache")
            })
        let plan = ExecutionPlan(
            id: "f",
            tasks: [
                PlanTask(id: "fetch", fallback: TaskBody { _ in "cached" }, body: TaskBody { _ in throw Boom() })
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .completed)
        #expect(result.result == ["fetch": "cached"])
    }

    @Test func fallback_forTaskWithoutOne_failsWithRecoveryFailed() async throws {
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "confused", applicableErrors: ["*"]) { _ in
                RecoveryResult(success: true, action: .fallback, message: "?")
            })
        let result = try await engine.execute(ExecutionPlan(id: "f", tasks: [PlanTask(id: "x") { _ in throw Boom() }]))
        #expect(result.status == .failed)
        #expect(result.error?.code == "RECOVERY_FAILED")
        #expect(result.error?.message.contains("confused") == true)
    }

    @Test func abort_failsTheExecution() async throws {
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "abort", applicableErrors: ["*"]) { _ in
                RecoveryResult(success: false, action: .abort, message: "stop")
            })
        let plan = ExecutionPlan(
            id: "a", failurePolicy: .continueIndependent,
            tasks: [PlanTask(id: "x") { _ in throw Boom() }, PlanTask(id: "y", dependencies: ["x"], body: .noop)])
        let result = try await engine.execute(plan)
        #expect(result.status == .failed)
        #expect(result.error?.code == "TASK_ERROR")
    }

    @Test func strategyThatThrows_failsTheTaskWithRecoveryFailed() async throws {
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(ScriptedStrategy(id: "broken", applicableErrors: ["*"]) { _ in throw Boom() })
        let result = try await engine.execute(ExecutionPlan(id: "b", tasks: [PlanTask(id: "x") { _ in throw Boom() }]))
        #expect(result.error?.code == "RECOVERY_FAILED")
        #expect(result.error?.context?["originalCode"] == "TASK_ERROR")
    }

    @Test func strategyThatAlwaysRetries_isStoppedByTheRecoveryCap() async throws {
        let engine = DefaultExecutionEngine(configuration: EngineConfiguration(maxRecoveryAttempts: 3))
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "stubborn", applicableErrors: ["*"]) { _ in
                RecoveryResult(success: true, action: .retry, message: "again")
            })
        let result = try await engine.execute(ExecutionPlan(id: "c", tasks: [PlanTask(id: "x") { _ in throw Boom() }]))
        #expect(result.status == .failed)
        #expect(result.tasks(.taskStarted).count == 4)
        #expect(result.timeline.filter { $0.type == .recoveryInitiated }.count == 3)
    }

    @Test func strategies_areAskedInRegistrationOrder_andMatchByCodeOrStar() async throws {
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "other", applicableErrors: ["DISK_FULL"]) { _ in
                RecoveryResult(success: true, action: .abort, message: "wrong one")
            })
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "first", applicableErrors: ["*"]) { _ in
                RecoveryResult(success: true, action: .skip, message: "first")
            })
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "second", applicableErrors: ["TASK_ERROR"]) { _ in
                RecoveryResult(success: true, action: .abort, message: "second")
            })
        let result = try await engine.execute(ExecutionPlan(id: "o", tasks: [PlanTask(id: "x") { _ in throw Boom() }]))
        #expect(result.status == .completed)
        #expect(result.timeline.first { $0.type == .recoveryInitiated }?.data?["strategyId"] == "first")
        engine.removeRecoveryStrategy("first")
        let again = try await engine.execute(ExecutionPlan(id: "o2", tasks: [PlanTask(id: "x") { _ in throw Boom() }]))
        #expect(again.status == .failed)
    }

    @Test func checkpointRestore_goesBackToTheLatestCheckpoint_withoutRerunningItsTasks() async throws {
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "restore", applicableErrors: ["CORRUPT"]) { _ in
                RecoveryResult(success: true, action: .checkpointRestore, message: "roll back")
            })
        let counter = Counter()
        let plan = ExecutionPlan(
            id: "cp",
            tasks: [
                PlanTask(id: "prepare") { _ in
                    _ = await counter.increment("prepare")
                    return "prepared"
                },
                PlanTask(id: "step", dependencies: ["prepare"]) { ctx in
                    // A checkpoint taken inside a task holds what completed before it: "prepare".
                    _ = await counter.increment("step")
                    _ = try await ctx.checkpoint(metadata: [:])
                    return ctx.upstreamResults["prepare"] ?? .null
                },
                failingOnce("check", code: "CORRUPT", counter: counter, dependencies: ["step"]),
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .completed)
        #expect(await counter.values["prepare"] == 1)
        #expect(await counter.values["step"] == 2)
        #expect(
            result.timeline.contains {
                $0.type == .recoveryInitiated && $0.description.contains("restored from checkpoint")
            })
    }

    @Test func restoreFromCheckpoint_ofAFailedExecution_continuesWithoutRerunningCompletedTasks() async throws {
        let engine = DefaultExecutionEngine()
        let counter = Counter()
        let plan = ExecutionPlan(
            id: "resume-me",
            tasks: [
                PlanTask(id: "expensive") { ctx in
                    _ = await counter.increment("expensive")
                    await ctx.setState(["rows": 10])
                    return 10
                },
                failingOnce("fragile", code: "OUTAGE", counter: counter, dependencies: ["expensive"]),
            ])
        let id = try await engine.start(plan)
        let failed = try await engine.result(of: id)
        #expect(failed.status == .failed)
        let checkpoint = try await engine.createCheckpoint(id)
        #expect(checkpoint.state.completedTasks == ["expensive"])
        #expect(checkpoint.state.taskStates["expensive"] == ["rows": 10])
        try await engine.restoreFromCheckpoint(checkpoint.id)
        let restored = try await engine.result(of: id)
        #expect(restored.status == .completed)
        #expect(restored.result == ["fragile": "fragile attempt 2"])
        #expect(await counter.values["expensive"] == 1)
    }

    @Test func automaticCheckpoints_everyNTasks() async throws {
        let engine = DefaultExecutionEngine(
            configuration: EngineConfiguration(checkpointPolicy: CheckpointPolicy(everyTasks: 2)))
        let tasks = (0..<5).map { PlanTask(id: "t\($0)", dependencies: $0 == 0 ? [] : ["t\($0 - 1)"], body: .noop) }
        let id = try await engine.start(ExecutionPlan(id: "auto", tasks: tasks))
        _ = try await engine.result(of: id)
        let checkpoints = try await engine.checkpoints(of: id)
        #expect(checkpoints.map(\.state.completedTasks.count) == [2, 4])
    }

    @Test func restoreFromCheckpoint_unknownId_throws() async throws {
        let engine = DefaultExecutionEngine()
        let error = await #expect(throws: TideError.self) { try await engine.restoreFromCheckpoint("missing") }
        #expect(error?.code == .unknownCheckpoint)
    }
}
