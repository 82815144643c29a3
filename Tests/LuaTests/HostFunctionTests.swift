import Testing

@testable import Lua

@Suite("Host functions")
struct HostFunctionTests {
    private func harness(with functions: (LuaState) -> [String: LuaReference]) throws -> Harness {
        let lua = try LuaState()
        var globals: [String: LuaValue] = [:]
        for (name, function) in functions(lua) {
            globals[name] = .function(function)
        }
        let sandbox = try lua.makeSandbox(globals: globals)
        return Harness(lua: lua, sandbox: sandbox)
    }

    @Test func call_swiftFunction_receivesArgumentsAndReturnsResults() throws {
        let harness = try harness { lua in
            [
                "add": lua.makeFunction(named: "add") { frame in
                    frame.push(integer: try frame.integer(1) + frame.integer(2))
                    return 1
                }
            ]
        }
        #expect(try harness.run("return add(40, 2)") == [42])
        #expect(stackDepth(harness.lua) == 0)
    }

    @Test func functions_registeredIntoAModuleTable_areCallableAsFields() throws {
        let lua = try LuaState()
        let double = lua.makeFunction(named: "tide.double") { frame in
            frame.push(integer: try frame.integer(1) * 2)
            return 1
        }
        let name = lua.makeFunction(named: "tide.name") { frame in
            frame.push(string: "tide")
            return 1
        }
        let sandbox = try lua.makeSandbox(globals: ["tide": ["double": .function(double), "name": .function(name)]])
        let harness = Harness(lua: lua, sandbox: sandbox)
        #expect(try harness.run("return tide.double(21), tide.name()") == [42, "tide"])
        #expect(
            harness.error("tide.double('x')")?.message
                == "bad argument #1 to 'tide.double' (number expected, got string)")
    }

    @Test func call_withWrongArgumentType_raisesLuaWordedErrorAtCaller() throws {
        let harness = try harness { lua in
            [
                "wait": lua.makeFunction(named: "wait") { frame in
                    _ = try frame.number(1)
                    return 0
                }
            ]
        }
        let error = harness.error("local x = 1\nwait(nil)")
        #expect(error?.code == .scriptError)
        #expect(error?.message == "bad argument #1 to 'wait' (number expected, got nil)")
        #expect(error?.line == 2)
        #expect(harness.error("wait()")?.message == "bad argument #1 to 'wait' (number expected, got no value)")
        #expect(harness.error("wait('x')")?.message == "bad argument #1 to 'wait' (number expected, got string)")
    }

    @Test func call_whenSwiftThrowsCodedError_scriptCanCatchTheCodeWithPcall() throws {
        struct Unrelated: Error {}
        let harness = try harness { lua in
            [
                "fetch": lua.makeFunction(named: "fetch") { _ in
                    throw LuaError("NETWORK_TIMEOUT", "no answer", recoverable: true)
                },
                "broken": lua.makeFunction(named: "broken") { _ in throw Unrelated() },
            ]
        }
        let values = try harness.run(
            "local ok, err = pcall(fetch)\nlocal ok2, err2 = pcall(broken)\n"
                + "return ok, err.code, err.message, err.recoverable, tostring(err), err2.code")
        #expect(values == [false, "NETWORK_TIMEOUT", "no answer", true, "NETWORK_TIMEOUT: no answer", "HOST_ERROR"])
    }

    @Test func call_whenSwiftThrowsCodedError_uncaught_keepsCodeAndPlace() throws {
        let harness = try harness { lua in
            ["fetch": lua.makeFunction(named: "fetch") { _ in throw LuaError("NETWORK_TIMEOUT", "no answer") }]
        }
        let error = harness.error("\nfetch()")
        #expect(error?.code == "NETWORK_TIMEOUT")
        #expect(error?.line == 2)
    }

    @Test func call_valuesAndStrings_crossExactly() throws {
        let harness = try harness { lua in
            ["echo": lua.makeFunction(named: "echo") { frame in try frame.return(frame.arguments()) }]
        }
        #expect(
            try harness.run("return echo(1, 2.5, 'a\\0b', {1, {x = true}}, nil)")
                == [1, 2.5, .string(LuaString(bytes: [0x61, 0, 0x62])), [1, ["x": true]], .nil])
    }

    @Test func function_whenLuaDropsIt_releasesTheSwiftClosure() throws {
        final class Token {}
        weak var weakToken: Token?
        do {
            let lua = try LuaState()
            do {
                let token = Token()
                weakToken = token
                _ = lua.makeFunction(named: "holder") { _ in
                    _ = token
                    return 0
                }
            }
        }
        // closing the state runs every __gc: the box is released
        #expect(weakToken == nil)
    }

    @Test func asyncFunction_inSynchronousCall_raisesCannotWaitHere() throws {
        let harness = try harness { lua in ["sleep": lua.makeSleepFunction(clock: ContinuousClock())] }
        let error = harness.error("sleep(0)")
        #expect(error?.code == .scriptError)
        #expect(error?.message.contains("'sleep' cannot wait here") == true)
    }

    @Test func sleep_withBadArgument_raisesLuaWordedError() throws {
        let harness = try harness { lua in ["sleep": lua.makeSleepFunction(clock: ContinuousClock())] }
        #expect(harness.error("sleep(nil)")?.message == "bad argument #1 to 'sleep' (number expected, got nil)")
        #expect(harness.error("sleep(-1)")?.message.hasPrefix("bad argument #1 to 'sleep'") == true)
        #expect(harness.error("sleep(1/0)")?.message.hasPrefix("bad argument #1 to 'sleep'") == true)
    }
}
