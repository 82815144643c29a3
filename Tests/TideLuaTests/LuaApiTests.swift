import Foundation
import Testing
import Tide
import TideTesting

@Suite("The tide.* API and ctx")
struct LuaApiTests {
    @Test func log_whenTaskLogs_messagesReachTheEngine() async throws {
        let loaded = try await loadPlan(
            """
            return { tasks = { { id = "t", run = function()
              tide.log.debug("d") tide.log.info("i", { rows = 3 }) tide.log.warning("w") tide.log.error("e")
              print("printed", 42, true)
            end } } }
            """)
        let engine = DefaultExecutionEngine()
        let id = try await engine.start(loaded.plan)
        _ = try await engine.result(of: id)
        let messages = try await engine.messages(of: id)
        #expect(messages.map(\.level) == [.debug, .info, .warning, .error, .info])
        #expect(messages.map(\.message) == ["d", "i", "w", "e", "printed\t42\ttrue"])
        #expect(messages[1].context == ["rows": 3])
        #expect(messages.allSatisfy { $0.taskId == "t" })
    }

    @Test func log_whenMessageIsNotText_raisesABadArgument() async throws {
        let result = try await runPlan(#"return { tasks = { { id = "t", run = function() tide.log.info({}) end } } }"#)
        #expect(
            result.error?.message.contains("bad argument #1 to 'tide.log.info' (string expected, got table)") == true)
    }

    @Test func emit_whenTaskEmits_addsACustomEventWithData() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() tide.emit("rows loaded", { rows = 7 }) end } } }"#)
        let custom = result.events(.custom)
        #expect(custom.count == 1)
        #expect(custom.first?.description == "rows loaded")
        #expect(custom.first?.data == ["rows": 7])
        #expect(custom.first?.taskId == "t")
    }

    @Test func checkpoint_whenTaskCheckpoints_recordsItWithTheTaskState() async throws {
        let loaded = try await loadPlan(
            """
            return { tasks = { { id = "t", run = function(ctx)
              ctx.state.step = 2
              return tide.checkpoint({ reason = "half way" })
            end } } }
            """)
        let engine = DefaultExecutionEngine()
        let id = try await engine.start(loaded.plan)
        let result = try await engine.result(of: id)
        let checkpoints = try await engine.checkpoints(of: id)
        #expect(checkpoints.count == 1)
        #expect(result.result == ["t": .string(checkpoints[0].id)])
        #expect(checkpoints[0].metadata["reason"] == "half way")
        #expect(checkpoints[0].state.taskStates["t"] == ["step": 2])
        #expect(result.events(.checkpointCreated).count == 1)
    }

    @Test func allocate_whenTaskAllocatesAndReleases_recordsBothAndFreesThePool() async throws {
        let result = try await runPlan(
            """
            return { tasks = { { id = "t", run = function()
              local got = tide.allocate { type = "gpu", amount = 1 }
              local more = tide.allocate { { type = "gpu", amount = 1 } }
              tide.release(got)
              return { first = got[1].type, amount = more[1].amount, id = more[1].id }
            end } } }
            """,
            configuration: EngineConfiguration(pools: [ResourcePool(type: "gpu", capacity: 2)]))
        #expect(result.status == .completed)
        #expect(result.events(.resourceAllocated).count == 2)
        #expect(result.events(.resourceReleased).count == 2)  // one by the task, one when the attempt ended
        #expect(result.result?["t"]?["first"] == "gpu")
        #expect(result.resourceUsage.count == 2)
    }

    @Test func release_whenIdIsNotHeld_failsWithUnknownResource() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() tide.release("nope-1") end } } }"#)
        #expect(result.error?.code == "UNKNOWN_RESOURCE")
        #expect(result.error?.message.contains("holds no resource 'nope-1'") == true)
    }

    @Test func allocate_whenTypeHasNoPool_failsClearly() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() tide.allocate { type = "quantum", amount = 1 } end } } }"#
        )
        #expect(result.status == .failed)
        #expect(result.error?.message.contains("quantum") == true)
    }

    @Test func sleep_whenManyTasksWait_theyShareOneStateWithoutThreads() async throws {
        let clock = ManualClock()
        let engineClock = EngineClock(clock)
        let loaded = try await loadPlan(
            """
            local plan = require "tide.plan"
            local ids = {}
            for i = 1, 200 do ids[i] = i end
            return plan { concurrency = 200, tasks = plan.each(ids, function(i)
              return { id = "t" .. i, run = function() tide.sleep("2s") return i end }
            end) }
            """,
            options: LuaPlanOptions(clock: engineClock))
        let engine = DefaultExecutionEngine(clock: engineClock)
        let id = try await engine.start(loaded.plan)
        try await clock.waitForSleepers(count: 200)
        #expect(try await engine.getStatus(id) == .running)
        clock.advance(by: .seconds(2))
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        #expect(result.events(.taskCompleted).count == 200)
    }

    @Test func sleep_whenDurationIsBad_raisesWithAHint() async throws {
        let result = try await runPlan(#"return { tasks = { { id = "t", run = function() tide.sleep("soon") end } } }"#)
        #expect(result.error?.message.contains(#"bad argument #1 to 'tide.sleep' ("soon" is not a duration"#) == true)
    }

    @Test func ctx_whenTaskRuns_seesItsIdAttemptExecutionAndUpstreamResults() async throws {
        let loaded = try await loadPlan(
            """
            return { tasks = {
              { id = "a", run = function() return { rows = 5 } end },
              { id = "b", after = "a", run = function(ctx)
                  return { id = ctx.taskId, attempt = ctx.attempt, rows = ctx.results.a.rows, exec = ctx.executionId }
                end },
            } }
            """)
        let engine = DefaultExecutionEngine()
        let id = try await engine.start(loaded.plan, executionId: "run-1")
        let result = try await engine.result(of: id)
        #expect(result.result == ["b": ["id": "b", "attempt": 1, "rows": 5, "exec": "run-1"]])
    }

    @Test func ctx_whenRetried_seesAttemptTwoAndTheStateItSaved() async throws {
        let loaded = try await loadPlan(
            """
            return { tasks = { { id = "t", run = function(ctx)
              ctx.state.tries = (ctx.state.tries or 0) + 1
              if ctx.attempt == 1 then error { code = "FLAKY", message = "first try fails", recoverable = true } end
              return { attempt = ctx.attempt, tries = ctx.state.tries }
            end } } }
            """)
        let engine = DefaultExecutionEngine()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "retry", applicableErrors: ["FLAKY"]) { _ in
                RecoveryResult(success: true, action: .retry, message: "again")
            })
        let result = try await engine.execute(loaded.plan)
        #expect(result.result == ["t": ["attempt": 2, "tries": 2]])
    }

    @Test func checkpoint_whileATaskWaits_holdsTheStateItHadWhenItStartedWaiting() async throws {
        let clock = ManualClock()
        let engineClock = EngineClock(clock)
        let loaded = try await loadPlan(
            #"return { tasks = { { id = "t", run = function(ctx) ctx.state.step = 1 tide.sleep(10) ctx.state.step = 2 end } } }"#,
            options: LuaPlanOptions(clock: engineClock))
        let engine = DefaultExecutionEngine(clock: engineClock)
        let id = try await engine.start(loaded.plan)
        try await clock.waitForSleepers(count: 1)
        let during = try await engine.createCheckpoint(id)
        #expect(during.state.taskStates["t"] == ["step": 1])
        clock.advance(by: .seconds(10))
        _ = try await engine.result(of: id)
        #expect(try await engine.createCheckpoint(id).state.taskStates["t"] == ["step": 2])
    }

    @Test func ctx_whenStateIsReplaced_keepsTheNewTable() async throws {
        let loaded = try await loadPlan(
            #"return { tasks = { { id = "t", run = function(ctx) ctx.state = { fresh = true } ctx.state.n = 1 end } } }"#
        )
        let engine = DefaultExecutionEngine()
        let id = try await engine.start(loaded.plan)
        _ = try await engine.result(of: id)
        let checkpoint = try await engine.createCheckpoint(id)
        #expect(checkpoint.state.taskStates["t"] == ["fresh": true, "n": 1])
    }

    @Test func ctx_whenStateHoldsAFunction_failsNamingTheKeyPath() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function(ctx) ctx.state.handlers = { function() end } end } } }"#)
        #expect(result.error?.code == "INVALID_VALUE")
        #expect(result.error?.message.contains("ctx.state.handlers[1] holds a function") == true)
    }

    @Test func ctx_whenVarsAreSetByOneTask_otherTasksSeeThem() async throws {
        let result = try await runPlan(
            """
            return { variables = { base = 10 }, tasks = {
              { id = "a", run = function(ctx) ctx.vars.total = ctx.vars.base + 5 end },
              { id = "b", after = "a", run = function(ctx) return ctx.vars.total end },
            } }
            """)
        #expect(result.result == ["b": 15])
    }

    @Test func ctx_whenQualityAndProgressAreReported_feedTheMetrics() async throws {
        let result = try await runPlan(
            """
            return { tasks = {
              { id = "a", run = function(ctx) ctx.progress("loading") ctx.quality(0.5) end },
              { id = "b", run = function(ctx) ctx:quality(1) end },
            } }
            """)
        #expect(result.metrics.qualityScore == 0.75)
    }

    @Test func ctx_whenProgressIsReported_becomesTheCurrentPhase() async throws {
        let clock = ManualClock()
        let engineClock = EngineClock(clock)
        let loaded = try await loadPlan(
            #"return { tasks = { { id = "t", run = function(ctx) ctx.progress("loading rows") tide.sleep(1) end } } }"#,
            options: LuaPlanOptions(clock: engineClock))
        let engine = DefaultExecutionEngine(clock: engineClock)
        let id = try await engine.start(loaded.plan)
        let updates = try await engine.monitor(id)
        try await clock.waitForSleepers(count: 1)
        let sample = try await engine.sample(id)
        #expect(sample.progress.currentPhase == "loading rows")
        clock.advance(by: .seconds(1))
        for await _ in updates {}
    }

    @Test func sleep_whenExecutionIsPausedMeanwhile_waitsForTheResume() async throws {
        let clock = ManualClock()
        let engineClock = EngineClock(clock)
        let loaded = try await loadPlan(
            #"return { tasks = { { id = "t", run = function() tide.sleep(1) tide.emit("woke") end } } }"#,
            options: LuaPlanOptions(clock: engineClock))
        let engine = DefaultExecutionEngine(clock: engineClock)
        let id = try await engine.start(loaded.plan)
        try await clock.waitForSleepers(count: 1)
        try await engine.pause(id)
        clock.advance(by: .seconds(1))
        #expect(try await engine.getStatus(id) == .paused)
        try await engine.resume(id)
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        let types = result.timeline.map(\.type)
        let resumed = try #require(types.firstIndex(of: .executionResumed))
        let woke = try #require(types.firstIndex(of: .custom))
        #expect(woke > resumed, "the task went on only after the resume")
    }

    @Test func ctx_whenQualityIsOutOfRange_raises() async throws {
        let result = try await runPlan(#"return { tasks = { { id = "t", run = function(ctx) ctx.quality(7) end } } }"#)
        #expect(result.error?.message.contains("a quality from 0 to 1 expected, got 7.0") == true)
    }

    @Test func ctx_whenScriptSetsAnUnknownField_raisesAViolationWithAHint() async throws {
        let result = try await runPlan(#"return { tasks = { { id = "t", run = function(ctx) ctx.rows = 1 end } } }"#)
        #expect(result.error?.code == "SANDBOX_VIOLATION")
        #expect(result.error?.message.contains("plan.lua:1: ctx.rows is read-only: keep a task's own data") == true)
    }

    @Test func error_whenTaskRaisesATable_keepsCodeRecoverableContextAndPlace() async throws {
        let result = try await runPlan(
            """
            return { tasks = { { id = "t", run = function()
              error { code = "NETWORK_TIMEOUT", message = "upstream silent", recoverable = true, context = { host = "db" } }
            end } } }
            """)
        let error = try #require(result.error)
        #expect(error.code == "NETWORK_TIMEOUT")
        #expect(error.recoverable)
        #expect(error.message.hasSuffix("plan.lua:2: upstream silent"))
        #expect(error.context?["host"] == "db")
        #expect(error.context?["location"]?.stringValue?.hasSuffix("plan.lua:2") == true)
        #expect(error.taskId == "t")
    }

    @Test func error_whenTaskRaisesAString_isAScriptErrorWithItsPlace() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function()"# + "\n" + #"error("boom") end } } }"#)
        #expect(result.error?.code == "SCRIPT_ERROR")
        #expect(result.error?.message.hasSuffix("plan.lua:2: boom") == true)
        #expect(result.error?.recoverable == false)
        #expect(result.error?.context?["traceback"] != nil)
    }

    @Test func result_whenTaskReturnsAFunction_failsWithInvalidValue() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() return { f = print } end } } }"#)
        #expect(result.error?.code == "INVALID_VALUE")
        #expect(result.error?.message.contains("result.f holds a function") == true)
    }

    @Test func timeout_whenTaskLoopsForever_isStoppedByItsTimeout() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", timeout = "100ms", run = function() while true do end end } } }"#)
        #expect(result.status == .failed)
        #expect(["TIMEOUT", "SCRIPT_TIMEOUT"].contains(result.error?.code))
    }

    @Test func cancel_whenTasksAreWaiting_stopsThem() async throws {
        let clock = ManualClock()
        let engineClock = EngineClock(clock)
        let loaded = try await loadPlan(
            #"return { tasks = { { id = "t", run = function() tide.sleep(60) end } } }"#,
            options: LuaPlanOptions(clock: engineClock))
        let engine = DefaultExecutionEngine(clock: engineClock)
        let id = try await engine.start(loaded.plan)
        try await clock.waitForSleepers(count: 1)
        try await engine.cancel(id)
        let result = try await engine.result(of: id)
        #expect(result.status == .cancelled)
    }
}
