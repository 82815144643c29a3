import CLua

extension LuaState {
    /// Bookkeeping of one conversion from Lua: elements and bytes produced, the tables on the
    /// current path and the keys that lead to the value being read.
    struct Conversion {
        var bound: LuaValueBound
        var elements = 0
        var bytes = 0
        var path: Set<UnsafeRawPointer> = []
        var keys: [LuaValue] = []

        init(bound: LuaValueBound) { self.bound = bound }

        /// The key path of the value being read: `ctx.state.rows[3]`.
        var location: String {
            var text = bound.name
            for key in keys {
                switch key {
                case .string(let s) where s.string?.isLuaName == true: text += ".\(s)"
                case .string(let s): text += "[\"\(s.description.prefix(60))\"]"
                case .integer(let i): text += "[\(i)]"
                case .number(let d): text += "[\(d)]"
                case .boolean(let b): text += "[\(b)]"
                default: text += "[\(key.typeName)]"
                }
            }
            return text
        }

        mutating func count(_ size: Int) throws(LuaError) {
            bytes += size
            if let limit = bound.maxBytes, bytes > limit {
                let at = keys.isEmpty ? "" : " (it passed that size at \(location))"
                throw LuaError(
                    .valueTooLarge,
                    "\(bound.name) is larger than \(bound.limitName) (\(limit.byteCountText))\(at): "
                        + "keep large data outside the execution (a file, a store) and pass a reference to it")
            }
        }
    }

    /// Copies the Lua value at `index` of thread `T` into Swift.
    ///
    /// Uses raw access only (`lua_next`, `lua_rawgeti`): no `__index`, `__pairs` or `__len` runs.
    /// Strings are read by length, so NUL bytes and invalid UTF-8 survive.
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` for a cycle, nesting deeper than
    ///   ``LuaLimits/maxConversionDepth``, more than ``LuaLimits/maxConversionElements`` values,
    ///   or a table used as a key; ``LuaError/Code/valueTooLarge`` past the bound's size. Each
    ///   names the key path of the part at fault.
    func value(at index: Int32, on T: OpaquePointer, bound: LuaValueBound = .named("the value")) throws(LuaError)
        -> LuaValue
    {
        var conversion = Conversion(bound: bound)
        return try value(at: lua_absindex(T, index), on: T, depth: 0, &conversion)
    }

    /// Copies the `count` values on top of thread `T`, bottom first.
    func values(top count: Int32, on T: OpaquePointer, bound: LuaValueBound? = nil) throws(LuaError) -> [LuaValue] {
        let base = lua_gettop(T) - count
        var results: [LuaValue] = []
        results.reserveCapacity(Int(count))
        for index in stride(from: base + 1, through: base + count, by: 1) {
            var named = bound ?? .named("the value")
            if count > 1 && bound != nil { named.name += " #\(index - base)" }
            results.append(try value(at: index, on: T, bound: named))
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
            throw LuaError(
                .invalidValue,
                "\(conversion.bound.name) has more than \(limits.maxConversionElements) elements "
                    + "(the limit was passed at \(conversion.location))")
        }
        switch lua_type(T, index) {
        case LUA_TNIL, LUA_TNONE:
            try conversion.count(5)
            return .nil
        case LUA_TBOOLEAN:
            try conversion.count(5)
            return .boolean(lua_toboolean(T, index) != 0)
        case LUA_TNUMBER:
            try conversion.count(8)
            if lua_isinteger(T, index) != 0 {
                return .integer(Int(lua_tointegerx(T, index, nil)))
            }
            return .number(lua_tonumberx(T, index, nil))
        case LUA_TSTRING:
            var length = 0
            _ = lua_tolstring(T, index, &length)
            try conversion.count(length + 2)
            return .string(LuaString(bytes: bytes(at: index, on: T)))
        case LUA_TTABLE:
            try conversion.count(2)
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
            throw LuaError(
                .invalidValue,
                "\(conversion.location) is nested more than \(limits.maxConversionDepth) levels deep "
                    + "inside \(conversion.bound.name): data is at most \(limits.maxConversionDepth) tables deep")
        }
        guard let identity = lua_topointer(T, index), !conversion.path.contains(identity) else {
            throw LuaError(
                .invalidValue,
                "\(conversion.location) is a table that contains itself (a cycle): data cannot contain cycles; "
                    + "copy the part you need instead of referring back to it")
        }
        guard lua_checkstack(T, 4) != 0 else {
            throw LuaError(.invalidValue, "Lua stack overflow while converting \(conversion.location)")
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
                throw LuaError(
                    .invalidValue,
                    "\(conversion.location) has a table as a key: data keys are strings or integers")
            }
            let key = try value(at: top + 1, on: T, depth: depth + 1, &conversion)
            conversion.keys.append(key)
            let element = try value(at: top + 2, on: T, depth: depth + 1, &conversion)
            conversion.keys.removeLast()
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
