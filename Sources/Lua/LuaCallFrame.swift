import CLua

/// The arguments and results of one call from Lua into a Swift host function.
///
/// A frame is valid only during the call it was made for. Accessors check types and throw the
/// error Lua's own `luaL_check*` functions would raise, worded the same way:
/// `bad argument #1 to 'sleep' (number expected, got nil)`.
///
/// ```swift
/// let greet = lua.makeFunction(named: "greet") { frame in
///     let name = try frame.string(1)
///     frame.push(string: "hello, \(name)")
///     return 1
/// }
/// ```
public struct LuaCallFrame {
    let T: OpaquePointer
    /// The function's name, as used in argument errors.
    public let name: String
    /// How many arguments the caller passed.
    public let argumentCount: Int

    init(_ T: OpaquePointer, name: String) {
        self.T = T
        self.name = name
        self.argumentCount = Int(lua_gettop(T))
    }

    /// The Lua type name of argument `position` (`"no value"` past the last one).
    public func typeName(_ position: Int) -> String {
        position > argumentCount ? "no value" : String(cString: lua_typename(T, lua_type(T, Int32(position))))
    }

    /// The error for argument `position`, worded as `luaL_argerror` words it.
    public func argumentError(_ position: Int, _ problem: String) -> LuaError {
        LuaError.badArgument(position, to: name, problem)
    }

    private func typeError(_ position: Int, expected: String) -> LuaError {
        argumentError(position, "\(expected) expected, got \(typeName(position))")
    }

    /// Argument `position` as a number (an integer argument is converted).
    public func number(_ position: Int) throws(LuaError) -> Double {
        guard lua_type(T, Int32(position)) == LUA_TNUMBER else { throw typeError(position, expected: "number") }
        return lua_tonumberx(T, Int32(position), nil)
    }

    /// Argument `position` as an integer; a float with an exact integer value is accepted.
    public func integer(_ position: Int) throws(LuaError) -> Int {
        var isInteger: Int32 = 0
        let value = lua_tointegerx(T, Int32(position), &isInteger)
        guard isInteger != 0, lua_type(T, Int32(position)) == LUA_TNUMBER else {
            if lua_type(T, Int32(position)) == LUA_TNUMBER {
                throw argumentError(position, "number has no integer representation")
            }
            throw typeError(position, expected: "number")
        }
        return Int(value)
    }

    /// Argument `position` as text (invalid UTF-8 replaced); numbers are not converted.
    public func string(_ position: Int) throws(LuaError) -> String {
        guard lua_type(T, Int32(position)) == LUA_TSTRING else { throw typeError(position, expected: "string") }
        var length = 0
        let pointer = lua_tolstring(T, Int32(position), &length)
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    /// Argument `position` as a boolean, by Lua's truth rule (`nil` and `false` are false).
    public func boolean(_ position: Int) -> Bool {
        lua_toboolean(T, Int32(position)) != 0
    }

    /// Argument `position` copied into Swift (``LuaValue``), or `.nil` when absent.
    public func value(_ position: Int) throws(LuaError) -> LuaValue {
        guard position <= argumentCount else { return .nil }
        return try LuaState.owner(of: T).value(at: Int32(position), on: T, bound: .named("argument #\(position)"))
    }

    /// Argument `position` copied into Swift within `bound`, or `.nil` when absent: errors name the
    /// part at fault by its key path from the bound's name, and a value over its size is refused.
    public func value(_ position: Int, bound: LuaValueBound) throws(LuaError) -> LuaValue {
        guard position <= argumentCount else { return .nil }
        return try LuaState.owner(of: T).value(at: Int32(position), on: T, bound: bound)
    }

    /// All arguments copied into Swift.
    public func arguments() throws(LuaError) -> [LuaValue] {
        var values: [LuaValue] = []
        values.reserveCapacity(argumentCount)
        for position in 0..<argumentCount {
            values.append(try value(position + 1))
        }
        return values
    }

    /// The context the current run was started with (``LuaRuntime/run(_:arguments:budget:context:)``),
    /// or `nil` outside a run or for a run without one.
    ///
    /// Host functions shared by many runs use it to find the caller's own data, such as the task
    /// a plan's `tide.log` call belongs to.
    public var runContext: (any Sendable)? {
        LuaState.owner(of: T).activeRun?.context
    }

    /// Where the Lua code that called this function is (`chunk:line`), or `nil` when the caller is
    /// not Lua code.
    public func callerLocation() -> LuaSourceLocation? {
        var record = lua_Debug()
        guard lua_getstack(T, 1, &record) != 0, lua_getinfo(T, "Sl", &record) != 0, record.currentline > 0,
            let source = record.source
        else { return nil }
        return LuaSourceLocation(
            chunk: LuaState.owner(of: T).displayName(ofChunk: String(cString: source)), line: Int(record.currentline))
    }

    /// A reference to argument `position` (a table, function, coroutine or userdata), or `nil` when it is
    /// of another type. Use it to keep a table the script may go on changing.
    public func reference(_ position: Int) -> LuaReference? {
        let type = lua_type(T, Int32(position))
        guard position <= argumentCount,
            type == LUA_TTABLE || type == LUA_TFUNCTION || type == LUA_TTHREAD || type == LUA_TUSERDATA
        else { return nil }
        lua_pushvalue(T, Int32(position))
        return LuaState.owner(of: T).popReference(on: T)
    }

    /// Pushes the value a reference holds as a result.
    public func push(reference: LuaReference) throws(LuaError) {
        guard lua_checkstack(T, 1) != 0 else { throw LuaError(.invalidValue, "too many results") }
        try LuaState.owner(of: T).push(reference, on: T)
    }

    /// Pushes an integer result.
    public func push(integer: Int) { lua_pushinteger(T, lua_Integer(integer)) }

    /// Pushes a number result.
    public func push(number: Double) { lua_pushnumber(T, number) }

    /// Pushes a boolean result.
    public func push(boolean: Bool) { lua_pushboolean(T, boolean ? 1 : 0) }

    /// Pushes a `nil` result.
    public func pushNil() { lua_pushnil(T) }

    /// Pushes a string result.
    public func push(string: String) { LuaState.owner(of: T).push(string: string, on: T) }

    /// Pushes any value as a result.
    public func push(_ value: LuaValue) throws(LuaError) {
        guard lua_checkstack(T, 1) != 0 else { throw LuaError(.invalidValue, "too many results") }
        try LuaState.owner(of: T).push(value, on: T)
    }

    /// Pushes `values` and returns their count, for `return try frame.return(values)`.
    public func `return`(_ values: [LuaValue]) throws(LuaError) -> Int {
        guard lua_checkstack(T, Int32(clamping: values.count)) != 0 else {
            throw LuaError(.invalidValue, "too many results (\(values.count))")
        }
        for value in values {
            try push(value)
        }
        return values.count
    }
}
