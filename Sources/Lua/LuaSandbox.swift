import CLua

/// A trust domain for scripts: what their environments contain and where `require` looks.
///
/// Every script loaded in a sandbox gets a fresh `_ENV` built from an allow list: the safe base
/// functions; copies of `string` (without `dump`), `table`, `math` (without `randomseed`), `utf8`,
/// `coroutine` and `os` (only `clock`, `date`, `difftime`, `time`); wrapped `load` (text only,
/// into the caller's environment by default), `setmetatable` (no `__gc`), `xpcall` (the handler
/// runs after unwinding) and `collectgarbage` (`"count"` only); and the sandbox's globals. There is
/// no `io`, `debug`, `package`, `dofile` or `loadfile`; reading one of them raises
/// `SANDBOX_VIOLATION` saying so.
///
/// `require "a.b"` looks for `a/b.lua`, then `a/b/init.lua`, in each of ``searchPaths`` in
/// order, and never loads C modules. Modules are cached per sandbox; each module gets its own
/// environment.
///
/// ```swift
/// let sleep = lua.makeSleepFunction(clock: ContinuousClock())
/// let sandbox = try lua.makeSandbox(searchPaths: ["stdlib", "plans"], globals: ["sleep": .function(sleep)])
/// ```
public struct LuaSandbox: Sendable {
    /// The sandbox's Lua table (`globals`, `loaded`, `require`).
    let table: LuaReference
    /// The folders `require` searches, in order.
    public let searchPaths: [String]
}

extension LuaState {
    /// Creates a sandbox.
    ///
    /// - Parameters:
    ///   - searchPaths: Folders `require` may load modules from, in search order.
    ///   - readOnlyFolders: Those of `searchPaths` whose modules are shared libraries: the table a
    ///     module from one of them returns, and every table inside it, is made read-only, so that
    ///     no script can change what another one calls (a write raises `SANDBOX_VIOLATION`).
    ///   - globals: Extra globals every environment of the sandbox gets (host functions, libraries).
    /// - Returns: The sandbox.
    /// - Throws: ``LuaError/Code/invalidValue`` if a global cannot be converted.
    public func makeSandbox(
        searchPaths: [String] = [], readOnlyFolders: Set<String> = [], globals: [String: LuaValue] = [:]
    ) throws(LuaError) -> LuaSandbox {
        let resolver = ModuleResolver(searchPaths: searchPaths, maxSourceBytes: limits.maxSourceBytes)
        let search = makeFunction(named: "require") { frame in
            let name = try frame.string(1)
            let state = LuaState.owner(of: frame.T)
            switch resolver.resolve(name) {
            case .failure(let error):
                frame.pushNil()
                frame.push(string: error.code.rawValue)
                frame.push(string: error.message)
                return 3
            case .success(let module):
                lua_pushvalue(frame.T, 2)
                let environment = state.popReference(on: frame.T)
                do throws(LuaError) {
                    try state.compile(module.source, name: .file(module.path), environment: environment, on: frame.T)
                } catch {
                    frame.pushNil()
                    frame.push(string: error.code.rawValue)
                    frame.push(string: error.placedMessage)
                    return 3
                }
                frame.push(string: module.path)
                frame.push(boolean: readOnlyFolders.contains(module.folder))
                return 3
            }
        }
        var fields: [LuaValue: LuaValue] = [:]
        for (name, value) in globals {
            fields[.string(LuaString(name))] = value
        }
        let table = try callPrelude("newsandbox") { () throws(LuaError) in
            try push(.function(search), on: L)
            try push(.map(fields), on: L)
            return 2
        }
        return LuaSandbox(table: table, searchPaths: searchPaths)
    }

    /// Creates a fresh environment (`_ENV`) of `sandbox`.
    public func makeEnvironment(in sandbox: LuaSandbox) throws(LuaError) -> LuaReference {
        try callPrelude("newenv") { () throws(LuaError) in
            try push(sandbox.table, on: L)
            return 1
        }
    }

    /// Loads and runs the prelude; called once from `init`.
    func loadPrelude() throws(LuaError) {
        let source = Array(luaPreludeSource.utf8)
        try compile(source, name: .label("[tide sandbox]"), environment: nil, on: L, trusted: true)
        tide_push_yield_marker(L)
        tide_push_raise_function(L)
        lua_pushinteger(L, lua_Integer(limits.maxSourceBytes))
        tide_push_preempt_functions(L)
        let status = tide_pcall(L, 6, 1)
        guard status == LUA_OK else {
            throw LuaError(.internalError, "the sandbox prelude failed: \(text(at: -1, on: L))")
        }
        push(string: "roots", on: L)
        guard lua_rawget(L, -2) == LUA_TTABLE else {
            throw LuaError(.internalError, "the sandbox prelude exported no table of run coroutines")
        }
        rootsSlot = luaL_ref(L, registryIndex)
        preludeSlot = luaL_ref(L, registryIndex)
    }

    /// Makes `table` read-only to scripts, with every table inside it, as modules from
    /// read-only folders are (``makeSandbox(searchPaths:readOnlyFolders:globals:)``): a write
    /// raises `SANDBOX_VIOLATION` naming the field (`tide.sleep is read-only: …`); reads, `pairs`
    /// and `#` work as before, and a fallback `__index` the table had is kept.
    ///
    /// - Parameters:
    ///   - table: The table.
    ///   - name: How scripts name it (`tide`).
    public func makeReadOnly(_ table: LuaReference, name: String) throws(LuaError) {
        _ = try callPrelude("freeze") { () throws(LuaError) in
            try push(table, on: L)
            push(string: name, on: L)
            return 2
        }
    }

    /// A function trusted bootstrap code (a task runner) may use to raise classified errors:
    /// `raise(code, message, level)` raises `{ code = code, message = "chunk:line: " .. message }`,
    /// placed at `level` as `error` places its message.
    public func makeRaiseFunction() -> LuaReference {
        tide_push_raise_function(L)
        return popReference(on: L)
    }

    /// Calls `prelude[name]` with the arguments `pushArguments` pushes (returning their count),
    /// and returns a reference to the table it returns.
    private func callPrelude(_ name: String, pushArguments: () throws(LuaError) -> Int32) throws(LuaError)
        -> LuaReference
    {
        collectReleasedReferences()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, registryIndex, lua_Integer(preludeSlot))
        push(string: name, on: L)
        _ = lua_rawget(L, -2)
        tide_remove(L, -2)
        let count = try pushArguments()
        let saved = RunControl(control.pointee)
        RunControl.idle(L).apply(to: control)
        let status = tide_pcall(L, count, 1)
        saved.apply(to: control)
        guard status == LUA_OK else {
            throw status == LUA_ERRRUN ? popError(info: Failure(status: status)) : popBareError(Failure(status: status))
        }
        guard lua_type(L, -1) == LUA_TTABLE else {
            throw LuaError(.internalError, "the sandbox prelude's \(name) did not return a table")
        }
        return popReference(on: L)
    }
}
