import CLua

extension LuaState {
    /// Where a Lua function is defined, or `nil` for a host (C or Swift) function.
    ///
    /// Plans use it to place a task: the line of its `run` function is inside the task's table.
    public func definition(of function: LuaReference) -> LuaSourceLocation? {
        collectReleasedReferences()
        guard function.typeName == "function", (try? push(function, on: L)) != nil else { return nil }
        var record = lua_Debug()
        guard lua_getinfo(L, ">S", &record) != 0, record.linedefined > 0, let source = record.source else {
            return nil
        }
        return LuaSourceLocation(chunk: displayName(ofChunk: String(cString: source)), line: Int(record.linedefined))
    }

    /// Copies the value a reference holds into Swift (a table is read with raw access).
    ///
    /// - Parameters:
    ///   - reference: The value.
    ///   - bound: How errors name the value, and its largest size.
    /// - Throws: ``LuaError/Code/invalidValue`` if the value cannot be converted,
    ///   ``LuaError/Code/valueTooLarge`` if it is larger than the bound allows.
    public func value(of reference: LuaReference, bound: LuaValueBound = .named("the value")) throws(LuaError)
        -> LuaValue
    {
        collectReleasedReferences()
        try push(reference, on: L)
        defer { lua_settop(L, -2) }
        return try value(at: -1, on: L, bound: bound)
    }

    /// Gives a Swift value to Lua and returns a reference to it (a new table for an array or map).
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` if the value cannot be converted.
    public func reference(to value: LuaValue) throws(LuaError) -> LuaReference {
        collectReleasedReferences()
        guard lua_checkstack(L, 1) != 0 else { throw LuaError(.invalidValue, "no room on the stack") }
        try push(value, on: L)
        return popReference(on: L)
    }
}
