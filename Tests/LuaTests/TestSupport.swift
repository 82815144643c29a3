import CLua
import Testing

@testable import Lua

/// The number of values on the main thread's stack; every test ends with it back at 0.
func stackDepth(_ lua: LuaState) -> Int32 { lua_gettop(lua.L) }

/// A state with the default limits, a sandbox, and a helper to run source synchronously.
struct Harness {
    let lua: LuaState
    let sandbox: LuaSandbox

    init(lua: LuaState, sandbox: LuaSandbox) {
        self.lua = lua
        self.sandbox = sandbox
    }

    init(limits: LuaLimits = .default, searchPaths: [String] = [], globals: [String: LuaValue] = [:]) throws {
        lua = try LuaState(limits: limits)
        sandbox = try lua.makeSandbox(searchPaths: searchPaths, globals: globals)
    }

    /// Loads `source` in the sandbox and calls it.
    @discardableResult
    func run(_ source: String, name: String = "test.lua", _ arguments: [LuaValue] = []) throws(LuaError) -> [LuaValue] {
        defer { #expect(stackDepth(lua) == 0, "the stack is not back to 0 after running \(name)") }
        let chunk = try lua.load(source, name: .file(name), in: sandbox)
        return try lua.call(chunk, arguments)
    }

    /// Runs `source` and returns the error it raises, or `nil`.
    func error(_ source: String, name: String = "test.lua") -> LuaError? {
        do {
            try run(source, name: name)
            return nil
        } catch {
            return error
        }
    }
}
