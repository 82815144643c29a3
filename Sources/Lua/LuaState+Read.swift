import CLua

extension LuaState {
    /// Bookkeeping of one conversion from Lua: elements produced and the tables on the current path.
    struct Conversion {
        var elements = 0
        var path: Set<UnsafeRawPointer> = []
    }

    /// Copies the Lua value at `index` of thread `T` into Swift.
    ///
    /// Uses raw access only (`lua_next`, `lua_rawgeti`): no `__index`, `__pairs` or `__len` runs.
    /// Strings are read by length, so NUL bytes and invalid UTF-8 survive.
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` for a cycle, nesting deeper than
    ///   ``LuaLimits/maxConversionDepth``, more than ``LuaLimits/maxConversionElements`` values,
    ///   or a table used as a key.
    func value(at index: Int32, on T: OpaquePointer) throws(LuaError) -> LuaValue {
        var conversion = Conversion()
        return try value(at: lua_absindex(T, index), on: T, depth: 0, &conversion)
    }

    /// Copies the `count` values on top of thread `T`, bottom first.
    func values(top count: Int32, on T: OpaquePointer) throws(LuaError) -> [LuaValue] {
        let base = lua_gettop(T) - count
        var results: [LuaValue] = []
        results.reserveCapacity(Int(count))
        for index in stride(from: base + 1, through: base + count, by: 1) {
            results.append(try value(at: index, on: T))
        }
        return results
    }

    /// The bytes of the string at `index` (which must be a string: `lua_tolstring` would convert a number in place).
    func bytes(at index: Int32, on T: OpaquePointer) -> [UInt8] {
        var length = 0
        guard let pointer = lua_tolstring(T, index, &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// The string at `index` as text (invalid UTF-8 replaced), at most `limit` bytes of it.
    func text(at index: Int32, on T: OpaquePointer, limit: Int = .max) -> String {
        var length = 0
        guard lua_type(T, index) == LUA_TSTRING, let pointer = lua_tolstring(T, index, &length) else { return "" }
        let kept = min(length, limit)
        let text = String(decoding: UnsafeRawBufferPointer(start: pointer, count: kept), as: UTF8.self)
        return kept < length ? text + "… (\(length - kept) more bytes)" : text
    }

    private func value(at index: Int32, on T: OpaquePointer, depth: Int, _ conversion: inout Conversion)
        throws(LuaError)
        -> LuaValue
    {
        conversion.elements += 1
        guard conversion.elements <= limits.maxConversionElements else {
            throw LuaError(.invalidValue, "a value with more than \(limits.maxConversionElements) elements")
        }
        switch lua_type(T, index) {
        case LUA_TNIL, LUA_TNONE:
            return .nil
        case LUA_TBOOLEAN:
            return .boolean(lua_toboolean(T, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(T, index) != 0 {
                return .integer(Int(lua_tointegerx(T, index, nil)))
            }
            return .number(lua_tonumberx(T, index, nil))
        case LUA_TSTRING:
            return .string(LuaString(bytes: bytes(at: index, on: T)))
        case LUA_TTABLE:
            return try table(at: index, on: T, depth: depth, &conversion)
        case LUA_TFUNCTION:
            lua_pushvalue(T, index)
            return .function(popReference(on: T))
        case LUA_TTHREAD:
            lua_pushvalue(T, index)
            return .thread(popReference(on: T))
        default:
            lua_pushvalue(T, index)
            return .userdata(popReference(on: T))
        }
    }

    private func table(at index: Int32, on T: OpaquePointer, depth: Int, _ conversion: inout Conversion)
        throws(LuaError)
        -> LuaValue
    {
        guard depth < limits.maxConversionDepth else {
            throw LuaError(.invalidValue, "a table nested more than \(limits.maxConversionDepth) levels deep")
        }
        guard let identity = lua_topointer(T, index), !conversion.path.contains(identity) else {
            throw LuaError(.invalidValue, "a table that contains itself (a cycle) cannot be converted")
        }
        guard lua_checkstack(T, 4) != 0 else {
            throw LuaError(.invalidValue, "Lua stack overflow while converting a table")
        }
        conversion.path.insert(identity)
        defer { conversion.path.remove(identity) }
        let top = lua_gettop(T)
        defer { lua_settop(T, top) }

        var keys: [LuaValue] = []
        var elements: [LuaValue] = []
        var isSequence = true
        lua_pushnil(T)
        while lua_next(T, index) != 0 {
            if lua_type(T, top + 1) == LUA_TTABLE {
                throw LuaError(.invalidValue, "a table used as a table key cannot be converted")
            }
            let key = try value(at: top + 1, on: T, depth: depth + 1, &conversion)
            let element = try value(at: top + 2, on: T, depth: depth + 1, &conversion)
            lua_settop(T, top + 1)
            if isSequence {
                if case .integer = key {} else { isSequence = false }
            }
            keys.append(key)
            elements.append(element)
        }
        if keys.isEmpty { return .map([:]) }
        if isSequence, let array = sequence(keys: keys, elements: elements) { return .array(array) }
        return .map(Dictionary(zip(keys, elements), uniquingKeysWith: { first, _ in first }))
    }

    /// The elements in key order if the integer keys are exactly `1…n`, else `nil`.
    private func sequence(keys: [LuaValue], elements: [LuaValue]) -> [LuaValue]? {
        var array = [LuaValue](repeating: .nil, count: keys.count)
        for (key, element) in zip(keys, elements) {
            guard case .integer(let position) = key, position >= 1, position <= keys.count else { return nil }
            array[position - 1] = element
        }
        return array
    }
}
