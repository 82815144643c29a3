import Testing
import TideTesting

@testable import Lua

/// The main thread's stack depth of a runtime's state; every run must leave it at 0.
func stackDepth(of runtime: LuaRuntime) async -> Int32 {
    await runtime.withState { lua in stackDepth(lua) }
}

@Suite("LuaRuntime")
struct LuaRuntimeTests {
    /// A runtime with `sleep` on `clock` and one sandbox.
    private func makeRuntime<C: Clock>(clock: C, limits: LuaLimits = .default) async throws -> (LuaRuntime, LuaSandbox)
    where C.Duration == Duration {
        let runtime = try LuaRuntime(limits: limits)
        let sandbox = try await runtime.withState { lua in
            let sleep = lua.makeSleepFunction(clock: clock)
            let fail = lua.makeAsyncFunction(named: "fail") { _ in
                { throw LuaError("NETWORK_TIMEOUT", "gave up", recoverable: true) }
            }
            return try lua.makeSandbox(globals: ["sleep": .function(sleep), "fail": .function(fail)])
        }
        return (runtime, sandbox)
    }

    @Test func run_whenScriptSleeps_suspendsUntilTheClockAdvances() async throws {
        let clock = ManualClock()
        let (runtime, sandbox) = try await makeRuntime(clock: clock)
        let task = Task {
            try await runtime.run(source: "sleep(5) return 'woke'", name: .label("sleeper"), in: sandbox)
        }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(5))
        #expect(try await task.value == ["woke"])
        #expect(await stackDepth(of: runtime) == 0)
    }

    @Test func run_manySleepingScripts_shareOneStateConcurrently() async throws {
        let clock = ManualClock()
        let (runtime, sandbox) = try await makeRuntime(clock: clock)
        let count = 500
        try await withThrowingTaskGroup(of: [LuaValue].self) { group in
            for index in 0..<count {
                group.addTask {
                    try await runtime.run(
                        source: "local i = ... sleep(1) return i * 2", name: .label("s\(index)"), in: sandbox,
                        arguments: [.integer(index)])
                }
            }
            try await clock.waitForSleepers(count: count)
            clock.advance(by: .seconds(1))
            var total = 0
            for try await values in group {
                total += values.first?.intValue ?? 0
            }
            #expect(total == (0..<count).reduce(0) { $0 + $1 * 2 })
        }
        #expect(await stackDepth(of: runtime) == 0)
    }

    @Test func run_whenHostWorkFails_errorIsRaisedAtTheCallSite_andCatchable() async throws {
        let (runtime, sandbox) = try await makeRuntime(clock: ManualClock())
        let caught = try await runtime.run(
            source: "local ok, err = pcall(fail) return ok, err.code, err.recoverable", name: .label("catch"),
            in: sandbox)
        #expect(caught == [false, "NETWORK_TIMEOUT", true])
        let error = await #expect(throws: LuaError.self) {
            try await runtime.run(source: "\n\nfail()", name: .file("plan.lua"), in: sandbox)
        }
        #expect(error?.code == "NETWORK_TIMEOUT")
        #expect(error?.line == 3)
        #expect(await stackDepth(of: runtime) == 0)
    }

    @Test func run_coroutineCreatedByScript_canWaitOnHostFunctions() async throws {
        let clock = ManualClock()
        let (runtime, sandbox) = try await makeRuntime(clock: clock)
        let source = """
            local gen = coroutine.wrap(function()
              for i = 1, 3 do sleep(1) coroutine.yield(i) end
            end)
            return gen() + gen() + gen()
            """
        let task = Task { try await runtime.run(source: source, name: .label("gen"), in: sandbox) }
        for step in 1...3 {
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .seconds(1))
            _ = step
        }
        #expect(try await task.value == [6])
        #expect(await stackDepth(of: runtime) == 0)
    }

    @Test func run_whenCancelledWhileSleeping_throwsCancelled() async throws {
        let clock = ManualClock()
        let (runtime, sandbox) = try await makeRuntime(clock: clock)
        let task = Task { try await runtime.run(source: "sleep(100)", name: .label("long"), in: sandbox) }
        try await clock.waitForSleepers(count: 1)
        task.cancel()
        let error = await #expect(throws: LuaError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(try await runtime.run(source: "return 1", name: .label("after"), in: sandbox) == [1])
        #expect(await stackDepth(of: runtime) == 0)
    }

    @Test func run_whenCancelledWhileComputing_throwsCancelled() async throws {
        let (runtime, sandbox) = try await makeRuntime(clock: ManualClock())
        let chunk = try await runtime.withState { lua in
            try lua.load("while true do end", name: .label("spin"), in: sandbox)
        }
        let task = Task { try await runtime.run(chunk, budget: .unlimited) }
        task.cancel()
        let error = await #expect(throws: LuaError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(await stackDepth(of: runtime) == 0)
    }

    @Test func run_timeBudget_countsExecutionNotWaiting() async throws {
        let clock = ManualClock()
        let (runtime, sandbox) = try await makeRuntime(clock: clock)
        let chunk = try await runtime.withState { lua in
            try lua.load("for i = 1, 3 do sleep(60) end return 'done'", name: .label("patient"), in: sandbox)
        }
        let task = Task { try await runtime.run(chunk, budget: LuaRunBudget(time: .seconds(5))) }
        for _ in 1...3 {
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .seconds(60))
        }
        #expect(try await task.value == ["done"])
        #expect(await stackDepth(of: runtime) == 0)
    }

    @Test func run_instructionBudget_accumulatesAcrossResumes() async throws {
        // Each slice between two waits runs about 60,000 instructions, under the budget on its own;
        // only the sum over resumes exceeds it. sleep(0) on a real clock returns at once.
        let (runtime, sandbox) = try await makeRuntime(clock: ContinuousClock())
        let chunk = try await runtime.withState { lua in
            try lua.load(
                "while true do local x = 0 for i = 1, 20000 do x = x + i end sleep(0) end", name: .label("steps"),
                in: sandbox)
        }
        let error = await #expect(throws: LuaError.self) {
            try await runtime.run(chunk, budget: LuaRunBudget(instructions: 200_000))
        }
        #expect(error?.code == .scriptTimeout)
        #expect(await stackDepth(of: runtime) == 0)
    }

    @Test func run_scriptYieldingAtTopLevel_failsWithClearError() async throws {
        let (runtime, sandbox) = try await makeRuntime(clock: ManualClock())
        let error = await #expect(throws: LuaError.self) {
            try await runtime.run(source: "coroutine.yield(1)", name: .label("y"), in: sandbox)
        }
        #expect(error?.message.contains("outside a coroutine") == true)
        #expect(await stackDepth(of: runtime) == 0)
    }
}

@Suite("Run coroutines")
struct RunCoroutineTests {
    @Test func resume_ofAnotherRunsCoroutine_isRefused() async throws {
        let clock = ManualClock()
        let runtime = try LuaRuntime()
        let sandbox = try await runtime.withState { lua in
            let sleep = lua.makeSleepFunction(clock: clock)
            return try lua.makeSandbox(globals: ["sleep": .function(sleep), "shared": .map([:])])
        }
        let waiting = Task {
            try await runtime.run(
                source: "shared.victim = coroutine.running() sleep(1) return 'intact'", name: .label("victim"),
                in: sandbox)
        }
        try await clock.waitForSleepers(count: 1)
        let attack = try await runtime.run(
            source:
                "local a = {pcall(coroutine.resume, shared.victim)} local b = {pcall(coroutine.close, shared.victim)}"
                + " return a[1], a[2], b[1]",
            name: .label("attacker"), in: sandbox)
        #expect(attack[0] == false)
        #expect(attack[1].stringValue?.contains("only be resumed by the host") == true)
        #expect(attack[2] == false)
        clock.advance(by: .seconds(1))
        #expect(try await waiting.value == ["intact"])
    }

    @Test func resume_ofANonCoroutine_blamesTheCaller() throws {
        let harness = try Harness()
        let error = harness.error("\ncoroutine.resume(42)")
        #expect(error?.message == "bad argument #1 to 'resume' (coroutine expected, got number)")
        #expect(error?.chunkName == "test.lua")
        #expect(error?.line == 2)
    }
}
