import Foundation
import Testing
import Tide
import TideTesting

/// An engine with a folder of Lua strategies.
struct StrategyBench {
    let folder: URL
    let engine: DefaultExecutionEngine
    let scripts: LuaScripts
    let strategies: LuaStrategyFolder

    init(
        _ files: [String: String], clock: EngineClock = .continuous,
        limits: LuaLimits = LuaLimits(memory: 64 << 20, runTime: .seconds(2))
    ) async throws {
        let folder = try temporaryFolder()
        for (name, source) in files {
            try source.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        self.folder = folder
        engine = DefaultExecutionEngine(clock: clock)
        scripts = try await LuaScripts(engine: engine, options: LuaScriptOptions(limits: limits, clock: clock))
        strategies = LuaStrategyFolder(path: folder.path, scripts: scripts, registry: engine.recoveryStrategies)
    }

    func write(_ source: String, to name: String) throws {
        try source.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// A plan whose task `t` fails with `code` on its first `failures` attempts.
    static func failing(_ code: String, failures: Int = 1, optional: Bool = false, fallback: Bool = false)
        -> ExecutionPlan
    {
        var task = PlanTask(id: "t", optional: optional) { ctx in
            if ctx.attempt <= failures { throw ExecutionError(code: code, message: "attempt \(ctx.attempt) failed") }
            return ["attempt": .int(ctx.attempt), "state": await ctx.state()]
        }
        if fallback { task.fallback = TaskBody { _ in "from the fallback" } }
        return ExecutionPlan(id: "p", tasks: [task, PlanTask(id: "after", dependencies: ["t"]) { _ in "after" }])
    }
}

/// A strategy file that answers `result` (Lua source of a table) for `codes`.
func strategy(_ id: String, codes: String = #""FLAKY""#, result: String) -> String {
    "return { id = \"\(id)\", applicableErrors = { \(codes) }, execute = function(context) return \(result) end }"
}

@Suite("Recovery strategies in Lua")
struct LuaRecoveryTests {
    @Test func retry_whenLuaAnswersRetryWithNewState_theTaskRunsAgainWithIt() async throws {
        let bench = try await StrategyBench([
            "retry.lua": strategy(
                "retry",
                result:
                    #"{ success = true, action = "RETRY", message = "again", newState = { taskStates = { t = { n = 1 } } } }"#
            )
        ])
        let reports = await bench.strategies.reload()
        #expect(
            reports.map(\.description) == [
                "loaded 'retry' version 1 from retry.lua (\(reports.first.map { r in if case .loaded(_, _, let h) = r.kind { h } else { "" } } ?? ""))"
            ])
        let result = try await bench.engine.execute(StrategyBench.failing("FLAKY"))
        #expect(result.status == .completed)
        #expect(result.result == ["after": "after"])
        let decision = try #require(result.events(.recoveryInitiated).first)
        #expect(decision.data?["strategyVersion"] == "1")
        #expect(decision.data?["action"] == "RETRY")
        #expect(decision.description.contains("recovery 'retry' version 1 chose RETRY for 't': again"))
    }

    @Test(arguments: [
        ("SKIP", RecoveryAction.skip), ("ABORT", .abort), ("FALLBACK", .fallback), ("skip", .skip),
    ])
    func action_whenLuaAnswersIt_theEngineAppliesIt(answer: String, action: RecoveryAction) async throws {
        let bench = try await StrategyBench([
            "s.lua": strategy("s", result: #"{ success = true, action = "\#(answer)", message = "m" }"#)
        ])
        _ = await bench.strategies.reload()
        let result = try await bench.engine.execute(StrategyBench.failing("FLAKY", failures: 9, fallback: true))
        #expect(result.events(.recoveryInitiated).first?.data?["action"] == .string(action.rawValue))
        switch action {
        case .skip: #expect(result.status == .completed)
        case .abort: #expect(result.status == .failed)
        case .fallback: #expect(result.status == .completed)
        default: break
        }
    }

    @Test func checkpointRestore_whenLuaAnswersIt_theExecutionGoesBack() async throws {
        let bench = try await StrategyBench([
            "s.lua": """
            local asked = 0
            return { id = "s", applicableErrors = { "FLAKY" }, execute = function(context)
              asked = asked + 1
              if asked == 1 then return { action = "CHECKPOINT_RESTORE", message = "back" } end
              return { action = "RETRY", message = "then retry" }
            end }
            """
        ])
        _ = await bench.strategies.reload()
        let plan = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { ctx in
                    _ = try await ctx.checkpoint(metadata: [:])
                    return "a"
                },
                PlanTask(id: "t", dependencies: ["a"]) { ctx in
                    if ctx.attempt == 1 { throw ExecutionError(code: "FLAKY", message: "once") }
                    return "t"
                },
            ])
        let result = try await bench.engine.execute(plan)
        #expect(result.status == .completed)
        #expect(result.timeline.contains { $0.description.contains("restored from checkpoint") })
    }

    @Test func nil_whenAStrategyDeclines_theNextOneDecides() async throws {
        let bench = try await StrategyBench([
            "10-first.lua": strategy("first", result: "nil"),
            "20-second.lua": strategy("second", result: #"{ action = "RETRY", message = "second" }"#),
        ])
        _ = await bench.strategies.reload()
        let result = try await bench.engine.execute(StrategyBench.failing("FLAKY"))
        #expect(result.events(.recoveryInitiated).first?.data?["strategyId"] == "second")
    }

    @Test(arguments: [
        ("42", "execute returned a number, not a table"),
        (#"{ message = "x" }"#, "a result without an action"),
        (#"{ action = "RETRI" }"#, "the unknown action 'RETRI' (did you mean RETRY?)"),
        (#"{ action = "RETRY", success = "yes" }"#, "success = \"yes\": it must be true or false"),
        (#"{ action = "RETRY", colour = 1 }"#, "unknown field \"colour\""),
        (#"{ action = "RETRY", newState = { variables = { f = print } } }"#, "newState.variables.f holds a function"),
    ])
    func result_whenMalformed_failsTheTaskNamingStrategyVersionAndPlace(result: String, expected: String) async throws {
        let bench = try await StrategyBench(["bad.lua": strategy("bad", result: result)])
        _ = await bench.strategies.reload()
        let outcome = try await bench.engine.execute(StrategyBench.failing("FLAKY"))
        let error = try #require(outcome.error)
        #expect(error.code == "RECOVERY_FAILED")
        #expect(error.message.contains("recovery strategy 'bad' (version 1) failed"), "\(error.message)")
        #expect(error.message.contains("bad.lua@1:1"), "\(error.message)")
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test func execute_whenItRaisesOrLoops_failsWithItsPlace() async throws {
        let bench = try await StrategyBench(
            [
                "raise.lua":
                    "return { id = 'raise', applicableErrors = { 'A' },\n execute = function() error('no idea') end }",
                "loop.lua":
                    "return { id = 'loop', applicableErrors = { 'B' }, execute = function() while true do end end }",
            ], limits: LuaLimits(memory: 64 << 20, runTime: .milliseconds(100)))
        _ = await bench.strategies.reload()
        let raised = try await bench.engine.execute(StrategyBench.failing("A"))
        #expect(
            raised.error?.message.contains("it threw: raise.lua@1:2: SCRIPT_ERROR: no idea") == true,
            "\(raised.error?.message ?? "")")
        let looped = try await bench.engine.execute(StrategyBench.failing("B"))
        #expect(looped.error?.code == "RECOVERY_FAILED")
        #expect(looped.error?.message.contains("SCRIPT_TIMEOUT") == true, "\(looped.error?.message ?? "")")
    }

    @Test(arguments: [
        ("return {", "SYNTAX_ERROR"),
        ("error('at load time')", "at load time"),
        ("return { id = 'x', applicableErrors = { 'A' } }", "execute must be a function(context), got nothing"),
        ("return { id = 'x', execute = function() end }", "applicableErrors is missing"),
        (
            "return { id = 'x', applicableErrors = { 1 }, execute = function() end }",
            "applicableErrors must list error codes"
        ),
        (
            "return { id = 'x', applicableErrors = { 'A' }, execute = function() end, extra = 1 }",
            "unknown field \"extra\""
        ),
        ("return 5", "the file returned a number"),
    ])
    func load_whenTheNewTextIsBroken_thePreviousVersionStaysInForce(source: String, expected: String) async throws {
        let bench = try await StrategyBench([
            "s.lua": strategy("s", result: #"{ action = "RETRY", message = "good" }"#)
        ])
        _ = await bench.strategies.reload()
        try bench.write(source, to: "s.lua")
        let reports = await bench.strategies.reload()
        #expect(reports.count == 1)
        #expect(reports.first?.isRejection == true)
        #expect(reports.first?.description.contains(expected) == true, "\(reports.first?.description ?? "")")
        let status = await bench.strategies.status
        #expect(status.first?.version == 1)
        #expect(status.first?.lastError?.contains(expected) == true)
        let result = try await bench.engine.execute(StrategyBench.failing("FLAKY"))
        #expect(result.status == .completed)
        #expect(result.events(.recoveryInitiated).first?.data?["strategyVersion"] == "1")
    }

    @Test func reload_whenAFileIsDeleted_itsStrategyIsGone() async throws {
        let bench = try await StrategyBench(["s.lua": strategy("s", result: #"{ action = "RETRY" }"#)])
        _ = await bench.strategies.reload()
        #expect(bench.engine.recoveryStrategies.all.map(\.id) == ["s"])
        try FileManager.default.removeItem(at: bench.folder.appendingPathComponent("s.lua"))
        let reports = await bench.strategies.reload()
        #expect(reports.map(\.description) == ["removed 's': s.lua is gone"])
        #expect(bench.engine.recoveryStrategies.all.isEmpty)
    }

    @Test func hotSwap_whileTwoHundredTasksFail_everyFailureIsDecidedOnceByAVersionThatLoaded() async throws {
        let bench = try await StrategyBench([
            "flaky.lua": strategy("flaky", result: #"{ action = "RETRY", message = "v1" }"#)
        ])
        _ = await bench.strategies.reload()
        let plan = ExecutionPlan(
            id: "p", maxConcurrency: 8,
            tasks: (1...200).map { n in
                PlanTask(id: "t\(n)") { ctx in
                    for _ in 0..<20 { await Task.yield() }
                    if ctx.attempt == 1 { throw ExecutionError(code: "FLAKY", message: "first attempt") }
                    return .int(n)
                }
            })
        let id = try await bench.engine.start(plan)
        var loaded: Set<String> = ["1"]
        for rewrite in 1...20 {
            if rewrite % 2 == 0 {
                try bench.write("return { id = 'flaky', applicableErrors = { 'FLAKY' }, execute = ", to: "flaky.lua")
            } else {
                try bench.write(
                    strategy("flaky", result: #"{ action = "RETRY", message = "rewrite \#(rewrite)" }"#),
                    to: "flaky.lua")
            }
            for report in await bench.strategies.reload() {
                if case .loaded(_, let version, _) = report.kind { loaded.insert(String(version)) }
                #expect(rewrite % 2 == 1 || report.isRejection, "a broken version loaded")
            }
            for _ in 0..<200 { await Task.yield() }
        }
        let result = try await bench.engine.result(of: id)
        #expect(result.status == .completed)
        let decisions = result.events(.recoveryInitiated)
        #expect(decisions.count == 200, "every failure decided once")
        #expect(Set(decisions.compactMap(\.taskId)).count == 200)
        let versions = Set(decisions.compactMap { $0.data?["strategyVersion"]?.stringValue })
        #expect(versions.isSubset(of: loaded), "decided by \(versions), loaded \(loaded)")
        #expect(result.events(.taskCompleted).count == 200)
    }
}

@Suite("Lua strategies from Swift")
struct SwiftLuaStrategyTests {
    @Test func addRecoveryStrategy_whenGivenLuaSource_registersNewVersionsAndKeepsTheOldOnBrokenText() async throws {
        let engine = DefaultExecutionEngine()
        let first = try await engine.addRecoveryStrategy(
            luaSource: strategy("retry", result: #"{ action = "RETRY", message = "v1" }"#), name: "retry.lua")
        #expect(first.version == "1")
        let second = try await engine.addRecoveryStrategy(
            luaSource: strategy("retry", result: #"{ action = "RETRY", message = "v2" }"#), name: "retry.lua")
        #expect(second.version == "2")
        await #expect(throws: LuaScriptFailure.self) {
            try await engine.addRecoveryStrategy(luaSource: "return {", name: "retry.lua")
        }
        #expect(engine.recoveryStrategies.all.count == 1)
        let result = try await engine.execute(StrategyBench.failing("FLAKY"))
        #expect(result.events(.recoveryInitiated).first?.data?["message"] == "v2")
    }
}
