import CLua
import Testing

@testable import Lua

@Suite("LuaState")
struct LuaStateTests {
    @Test func load_whenSourceHasSyntaxError_throwsSyntaxErrorWithLine() throws {
        let harness = try Harness()
        let error = #expect(throws: LuaError.self) {
            try harness.lua.load("local x = 1\nlocal y = = 2\n", name: .file("plans/bad.lua"), in: harness.sandbox)
        }
        #expect(error?.code == .syntaxError)
        #expect(error?.chunkName == "plans/bad.lua")
        #expect(error?.line == 2)
        #expect(error?.message.contains("unexpected symbol") == true)
        #expect(stackDepth(harness.lua) == 0)
    }

    @Test func load_binaryChunk_isRefusedAsSandboxViolation() throws {
        let harness = try Harness()
        let error = #expect(throws: LuaError.self) {
            try harness.lua.load("\u{1B}Lua\u{54}\u{00}", name: .label("bytecode"), in: harness.sandbox)
        }
        #expect(error?.code == .sandboxViolation)
        #expect(error?.message.contains("binary") == true)
    }

    @Test func load_sourceOverTheCap_isRefused() throws {
        var limits = LuaLimits.default
        limits.maxSourceBytes = 100
        let harness = try Harness(limits: limits)
        let error = #expect(throws: LuaError.self) {
            try harness.lua.load(String(repeating: " ", count: 101), name: .label("big"), in: harness.sandbox)
        }
        #expect(error?.code == .sandboxViolation)
    }

    @Test func load_hotSwappedScriptName_appearsInErrors() throws {
        let harness = try Harness()
        let chunk = try harness.lua.load(
            "\n\nerror('nope')", name: .script(name: "backoff", version: 3), in: harness.sandbox)
        let error = #expect(throws: LuaError.self) { try harness.lua.call(chunk) }
        #expect(error?.chunkName == "backoff@3")
        #expect(error?.line == 3)
        #expect(error?.description == "backoff@3:3: SCRIPT_ERROR: nope")
    }

    @Test func call_whenChunkRaises_throwsScriptErrorWithTraceback_andLeavesStackEmpty() throws {
        let harness = try Harness()
        let error = harness.error("local function inner()\n  local t = nil\n  return t.x\nend\nreturn inner()")
        #expect(error?.code == .scriptError)
        #expect(error?.chunkName == "test.lua")
        #expect(error?.line == 3)
        #expect(error?.message == "attempt to index a nil value (local 't')")
        #expect(error?.traceback?.contains("stack traceback:") == true)
        #expect(error?.traceback?.contains("test.lua:3:") == true)
        #expect(stackDepth(harness.lua) == 0)
    }

    @Test func call_errorTableWithCode_keepsCodeRecoverableAndContext() throws {
        let harness = try Harness()
        let error = harness.error(
            "error { code = 'NETWORK_TIMEOUT', message = 'upstream slow', recoverable = true, context = { host = 'db', tries = 2 } }"
        )
        #expect(error?.code == "NETWORK_TIMEOUT")
        #expect(error?.message == "upstream slow")
        #expect(error?.recoverable == true)
        #expect(error?.context == ["host": "db", "tries": 2])
        #expect(error?.line == 1)
    }

    @Test func call_errorWithLevelTwo_blamesTheCaller() throws {
        let harness = try Harness()
        let error = harness.error("local function check(x)\n  error('bad x', 2)\nend\n\ncheck(1)")
        #expect(error?.line == 5)
    }

    @Test func call_errorObjectOfOtherType_isDescribedWithoutTostring() throws {
        let harness = try Harness()
        #expect(
            harness.error("error(setmetatable({}, { __tostring = function() return 'x' end }))")?.message
                .hasPrefix("an error table without a code or a message was raised; raise error { code =") == true)
        #expect(harness.error("error()")?.message == "(error object is a nil value)")
    }

    @Test func call_hugeErrorMessage_isTruncated() throws {
        let harness = try Harness()
        let error = try #require(harness.error("error(string.rep('x', 100000), 0)"))
        #expect(error.message.utf8.count < 5000)
        #expect(error.message.hasSuffix("more bytes)"))
    }

    @Test func call_whenMemoryCapIsReached_throwsMemoryLimit_andStateStaysUsable() throws {
        var limits = LuaLimits.default
        limits.memory = 16 << 20
        let harness = try Harness(limits: limits)
        #expect(harness.error("local t = {} for i = 1, 1e8 do t[i] = i end")?.code == .memoryLimit)
        #expect(try harness.run("local t = {} for i = 1, 1000 do t[i] = i end return #t") == [1000])
        #expect(harness.lua.memoryInUse < 16 << 20)
        #expect(stackDepth(harness.lua) == 0)
    }

    @Test func call_overTimeBudget_throwsScriptTimeout_andStateStaysUsable() throws {
        let harness = try Harness()
        let chunk = try harness.lua.load("while true do end", name: .file("spin.lua"), in: harness.sandbox)
        let error = #expect(throws: LuaError.self) {
            try harness.lua.call(chunk, budget: LuaRunBudget(time: .milliseconds(50)))
        }
        #expect(error?.code == .scriptTimeout)
        #expect(error?.chunkName == "spin.lua")
        #expect(try harness.run("return 1 + 1") == [2])
    }

    @Test func call_overInstructionBudget_throwsScriptTimeout() throws {
        let harness = try Harness()
        let chunk = try harness.lua.load(
            "local x = 0 for i = 1, 1e9 do x = x + i end", name: .label("count"), in: harness.sandbox)
        let error = #expect(throws: LuaError.self) {
            try harness.lua.call(chunk, budget: LuaRunBudget(instructions: 50_000))
        }
        #expect(error?.code == .scriptTimeout)
        #expect(error?.message.contains("instruction") == true)
    }

    @Test func call_afterAKill_newThreadsGetTheNormalHookInterval() throws {
        let harness = try Harness()
        let chunk = try harness.lua.load("while true do end", name: .label("spin"), in: harness.sandbox)
        _ = try? harness.lua.call(chunk, budget: LuaRunBudget(instructions: 10_000))
        #expect(lua_gethookcount(harness.lua.L) == Int32(LuaLimits.default.hookInterval))
    }

    @Test func references_whenDropped_freeTheirRegistrySlots() throws {
        let harness = try Harness()
        let baseline = harness.lua.memoryInUse
        for _ in 0..<2000 {
            _ = try harness.run("return function() end, {}")
        }
        _ = try harness.run("return 1")  // collects released slots
        #expect(harness.lua.memoryInUse < baseline + (1 << 20))
    }
}

@Suite("LuaState error places")
struct LuaErrorPlaceTests {
    static let longPath = "/srv/tide/" + String(repeating: "deeply/nested/", count: 6) + "plans/nightly.lua"

    @Test func syntaxError_inFileWithLongPath_namesTheWholePath() throws {
        let harness = try Harness()
        let error = #expect(throws: LuaError.self) {
            try harness.lua.load("return (", name: .file(Self.longPath), in: harness.sandbox)
        }
        #expect(error?.chunkName == Self.longPath)
        #expect(error?.line == 1)
    }

    @Test func runtimeError_inFileWithLongPath_namesTheWholePath() throws {
        let harness = try Harness()
        let error = harness.error("\nerror('late')", name: Self.longPath)
        #expect(error?.chunkName == Self.longPath)
        #expect(error?.line == 2)
    }
}
