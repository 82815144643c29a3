import Foundation
import Testing
import Tide

/// The `limits` table: read from plans, the command line, strategy and handler files; enforced on
/// messages, events, values, memory and checkpoints.
@Suite("Limits")
struct LimitsTests {
    // MARK: - Reading

    @Test func limits_inThePlanTable_areReadWithTheirUnits() async throws {
        let loaded = try await loadPlan(
            """
            return { limits = { maxEvents = 10, memory = "64MiB", runTime = "500ms", maxMessageBytes = "1KiB",
                                maxLogBytes = "2 MB", instructions = false },
                     tasks = { { id = "t", run = function() end } } }
            """)
        let limits = loaded.plan.limits
        #expect(limits.maxEvents == 10)
        #expect(limits.memory == 64 << 20)
        #expect(limits.runTime == .milliseconds(500))
        #expect(limits.maxMessageBytes == 1024)
        #expect(limits.maxLogBytes == 2_000_000)
        #expect(limits.instructions == nil)
        #expect(limits.maxResultBytes == ExecutionLimits.default.maxResultBytes)
    }

    @Test func limits_withMistakes_reportEachOneWithAHint() async throws {
        let found = await problems(
            """
            return { limits = { maxEvent = 1, memory = "lots", runTime = -1, maxMessages = 1.5 },
                     tasks = { { id = "t", run = function() end } } }
            """
        ).map(\.message)
        #expect(found.contains { $0.contains("there is no limit 'maxEvent' (did you mean 'maxEvents'?)") }, "\(found)")
        #expect(found.contains { $0.contains("limit memory must be a size") && $0.contains("\"lots\"") }, "\(found)")
        #expect(found.contains { $0.contains("limit runTime must be a time") }, "\(found)")
        #expect(found.contains { $0.contains("limit maxMessages must be a whole number") }, "\(found)")
    }

    @Test func limitOverrides_winOverThePlansTable() async throws {
        var options = LuaPlanOptions()
        options.limitOverrides = [.maxEvents: .amount(3), .runTime: .off]
        let loaded = try await loadPlan(
            #"return { limits = { maxEvents = 10, runTime = "1s" }, tasks = { { id = "t", run = function() end } } }"#,
            options: options)
        #expect(loaded.plan.limits.maxEvents == 3)
        #expect(loaded.plan.limits.runTime == nil)
    }

    @Test(arguments: [
        ("maxEvents=1000", ExecutionLimits.Name.maxEvents, ExecutionLimits.Setting.amount(1000)),
        ("memory=64MiB", .memory, .amount(64 << 20)),
        ("runTime=none", .runTime, .off),
        ("runTime=1m30s", .runTime, .time(.seconds(90))),
        ("maxMessageBytes = 4 KiB", .maxMessageBytes, .amount(4096)),
    ])
    func commandLine_readsNameAndValue(_ text: String, _ name: ExecutionLimits.Name, _ setting: ExecutionLimits.Setting)
        throws
    {
        let (read, value) = try LimitsReader.commandLine(text).get()
        #expect(read == name)
        #expect(value == setting)
    }

    @Test(arguments: ["maxEvents", "maxEvents=-1", "memory=1", "maxEvnts=3", "runTime=0", "=3", "maxEvents=lots"])
    func commandLine_withAMistake_isRefused(_ text: String) {
        #expect(throws: LimitError.self) { try LimitsReader.commandLine(text).get() }
    }

    // MARK: - Messages and events

    @Test func log_longerThanMaxMessageBytes_isCutWithTheBytesLeftOut() async throws {
        let result = try await runPlan(
            """
            return { limits = { maxMessageBytes = 100 }, tasks = { { id = "t", run = function()
              tide.log.info(string.rep("é", 200))
              tide.emit(string.rep("e", 150))
            end } } }
            """)
        #expect(result.status == .completed)
        let custom = try #require(result.events(.custom).first)
        #expect(custom.description == String(repeating: "e", count: 100) + "… (50 more bytes)")
    }

    @Test func emit_pastMaxEvents_failsTheTaskEvenWhenTheScriptCatchesTheError() async throws {
        let result = try await runPlan(
            """
            return { limits = { maxEvents = 5 }, failurePolicy = "continue", tasks = {
              { id = "flood", run = function()
                  for i = 1, 100 do pcall(tide.emit, "e" .. i) end
                  return "the loop went on"
                end },
              { id = "quiet", run = function() return "fine" end },
            } }
            """)
        #expect(result.failure(of: "flood")?["code"]?.stringValue == "QUOTA_EXCEEDED")
        #expect(result.failure(of: "flood")?["message"]?.stringValue?.contains("maxEvents") == true)
        #expect(result.events(.custom).count == 5)
        #expect(result.result?["quiet"] == "fine")
    }

    @Test func log_pastMaxLogBytes_failsTheTask_andTheLogSaysWhichLimitOnce() async throws {
        let loaded = try await loadPlan(
            """
            return { limits = { maxLogBytes = 1000 }, tasks = { { id = "t", run = function()
              for _ = 1, 100 do tide.log.info(string.rep("x", 100)) end
            end } } }
            """)
        let engine = DefaultExecutionEngine()
        let result = try await engine.execute(loaded.plan)
        #expect(result.error?.code == "QUOTA_EXCEEDED")
        let messages = try await engine.messages(of: result.executionId)
        #expect(messages.filter { $0.level == .info }.count == 10)
        #expect(messages.filter { $0.message.contains("maxLogBytes") }.count == 1)
    }

    // MARK: - Values

    @Test func result_largerThanMaxResultBytes_isRefusedWithItsName() async throws {
        let result = try await runPlan(
            #"return { limits = { maxResultBytes = "1KiB" }, tasks = { { id = "t", run = function() return { rows = { string.rep("r", 2000) } } end } } }"#
        )
        #expect(result.error?.code == "VALUE_TOO_LARGE")
        #expect(result.error?.message.contains("result is larger than maxResultBytes (1 KiB)") == true)
        #expect(result.error?.message.contains("result.rows[1]") == true)
    }

    @Test func state_withAFunctionDeepInside_namesItsKeyPath() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function(ctx) ctx.state.deep = { inner = { fn = print } } tide.sleep(0) end } } }"#
        )
        #expect(result.error?.code == "INVALID_VALUE")
        #expect(result.error?.message.contains("ctx.state.deep.inner.fn") == true, "\(result.error?.message ?? "")")
    }

    @Test func eventData_withACycle_namesWhereTheCycleCloses() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() local t = { list = { {} } } t.list[1].up = t tide.emit("x", t) end } } }"#
        )
        #expect(result.error?.code == "INVALID_VALUE")
        #expect(
            result.error?.message.contains("data.list[1].up is a table that contains itself") == true,
            "\(result.error?.message ?? "")")
    }

    @Test func errorTable_withoutAStringCode_saysWhatAValidOneLooksLike() async throws {
        let result = try await runPlan(#"return { tasks = { { id = "t", run = function() error { code = 5 } end } } }"#)
        #expect(result.error?.code == "SCRIPT_ERROR")
        #expect(result.error?.message.contains(#"error { code = "MY_CODE", message = "what went wrong" }"#) == true)
    }

    // MARK: - Memory

    @Test func checkpoints_ofALargeStateInALoop_endInMemoryLimit_beforeTheHostGrows() async throws {
        let result = try await runPlan(
            """
            return { limits = { memory = "64MiB" }, tasks = { { id = "t", run = function(ctx)
              for round = 1, 1000 do
                local rows = {}
                for i = 1, 100 do rows[i] = string.rep("-", 10000) .. round .. ":" .. i end
                ctx.state.rows = rows
                tide.checkpoint { round = round }
              end
            end } } }
            """)
        #expect(result.error?.code == "MEMORY_LIMIT", "\(result.error?.description ?? "no error")")
        // About 1 MB per version against half of 64 MiB: the loop ends after some thirty checkpoints.
        let taken = result.events(.checkpointCreated).count
        #expect(taken > 10 && taken < 40, "\(taken) checkpoints")
    }

    @Test func checkpoints_ofALargeStateWhoseCounterMoves_shareTheUnchangedFields() async throws {
        let result = try await runPlan(
            """
            return { limits = { memory = "64MiB" }, tasks = { { id = "t", run = function(ctx)
              local rows = {}
              for i = 1, 100 do rows[i] = string.rep("-", 10000) .. i end
              ctx.state.rows = rows
              for i = 1, 200 do ctx.state.round = i; tide.checkpoint { round = i } end
              return ctx.state.round
            end } } }
            """)
        #expect(result.status == .completed, "\(result.error?.description ?? "")")
        #expect(result.events(.checkpointCreated).count == 200)
    }

    @Test func allocate_inALoop_countsAgainstMaxEvents() async throws {
        let loaded = try await loadPlan(
            """
            return { limits = { maxEvents = 10 }, pools = { { type = "slot", capacity = 1 } }, tasks = {
              { id = "t", run = function()
                  for _ = 1, 1000 do tide.release(tide.allocate { type = "slot", amount = 1 }) end
                end } } }
            """)
        let engine = DefaultExecutionEngine(configuration: EngineConfiguration(pools: loaded.pools))
        let result = try await engine.execute(loaded.plan)
        #expect(result.error?.code == "QUOTA_EXCEEDED")
        #expect(result.events(.resourceAllocated).count <= 5)
    }

    @Test func result_withAStringThatIsNotUTF8_namesItsKeyPath() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() return { bytes = "\0\1\255" } end } } }"#)
        #expect(result.error?.code == "INVALID_VALUE")
        #expect(result.error?.message.contains("result.bytes holds a string that is not valid UTF-8") == true)
    }

    // MARK: - Read-only API

    @Test func ctxVars_rawsetByATask_isNotSeenByAnother() async throws {
        let result = try await runPlan(
            """
            return { variables = { region = "eu" }, tasks = {
              { id = "a", run = function(ctx) rawset(ctx.vars, "region", "EVIL") return ctx.vars.region end },
              { id = "b", after = { "a" }, run = function(ctx) return ctx.vars.region end },
            } }
            """)
        #expect(result.result?["b"] == "eu")
    }

    @Test func stdlibModule_writtenByATask_raisesAViolation_andOtherTasksStillCallIt() async throws {
        let result = try await runPlan(
            """
            local plan = require "tide.plan"
            return { failurePolicy = "continue", tasks = {
              { id = "poisoner", run = function() plan.ids = function() return { "poisoned" } end end },
              { id = "user", after = { "poisoner" }, run = function() return plan.ids { { id = "a" } }[1] end },
              { id = "other", run = function() tide.sleep(0.01) return plan.ids { { id = "b" } }[1] end },
            } }
            """)
        #expect(result.failure(of: "poisoner")?["code"]?.stringValue == "SANDBOX_VIOLATION")
        #expect(result.failure(of: "poisoner")?["message"]?.stringValue?.contains("tide.plan.ids is read-only") == true)
        #expect(result.result?["other"] == "b")
    }

    @Test(arguments: [
        "tide.sleep = nil", "tide.log.info = print", "rawset(tide, 'emit', print)", "table.insert(tide.log, print)",
        "setmetatable(tide, nil)", "getmetatable(ctx).__index = nil", "ctx.progress = print",
        "select(2, pairs(tide)).sleep = nil", "select(2, pairs(tide.log)).info = nil", "tide = {}", "print = nil",
        "require = nil",
    ])
    func tideApi_written_isRefused(_ statement: String) async throws {
        let result = try await runPlan(
            "return { tasks = { { id = \"t\", run = function(ctx) \(statement) end } } }")
        #expect(result.status == .failed, "\(statement) was allowed")
        #expect(
            ["SANDBOX_VIOLATION", "SCRIPT_ERROR"].contains(result.error?.code ?? ""),
            "\(result.error?.description ?? "")")
    }
}
