import Testing
import Tide

@Suite("Swift actions")
struct ActionTests {
    private var actions: TideActions {
        var actions = TideActions()
        actions.register("double") { call in .int((call.arguments.first?.intValue ?? 0) * 2) }
        actions.registerAsync("describe") { call in
            .string("\(call.taskId ?? "-") \(call.arguments.count)")
        }
        actions.register("refuse") { _ in
            throw ExecutionError(code: "QUOTA_EXCEEDED", message: "no more today", recoverable: true)
        }
        return actions
    }

    @Test func action_whenScriptCallsSyncAndAsyncActions_getsTheirResults() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() return { tide.actions.double(21), tide.actions.describe(1, "x") } end } } }"#,
            options: LuaPlanOptions(actions: actions))
        #expect(result.result == ["t": [42, "t 2"]])
    }

    @Test func action_whenItThrowsAnExecutionError_theScriptSeesItsCode() async throws {
        let result = try await runPlan(
            """
            return { tasks = { { id = "t", run = function()
              local ok, err = pcall(tide.actions.refuse)
              return { ok = ok, code = err.code, recoverable = err.recoverable }
            end } } }
            """, options: LuaPlanOptions(actions: actions))
        #expect(result.result == ["t": ["ok": false, "code": "QUOTA_EXCEEDED", "recoverable": true]])
    }

    @Test func action_whenNameIsUnknown_saysWhichAreRegistered() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() return tide.actions.doubel(1) end } } }"#,
            options: LuaPlanOptions(actions: actions))
        let message = try #require(result.error?.message)
        #expect(message.contains("plan.lua:1: no Swift action 'doubel' is registered (did you mean 'double'?)"))
        #expect(message.contains("registered: describe, double, refuse"))
    }

    @Test func action_whenArgumentIsNotData_namesIt() async throws {
        let result = try await runPlan(
            #"return { tasks = { { id = "t", run = function() return tide.actions.double(print) end } } }"#,
            options: LuaPlanOptions(actions: actions))
        #expect(result.error?.message.contains("argument #1 to tide.actions.double holds a function") == true)
    }
}
