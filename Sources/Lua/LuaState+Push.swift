import CLua

extension LuaState {
    /// Pushes a Swift value onto thread `T` as a new Lua value.
    ///
    /// Tables are built with raw sets, so no metamethod runs. Allocation cannot raise here: while
    /// Swift code owns the state the allocator lets it overshoot the cap, which is enforced again
    /// as soon as Lua code runs.
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` for a `nil` or NaN table key, a reference from
    ///   another state, or nesting deeper than ``LuaLimits/maxConversionDepth``.
    func push(_ value: LuaValue, on T: OpaquePointer, depth: Int = 0) throws(LuaError) {
        guard lua_checkstack(T, 3) != 0 else {
            throw LuaError(.invalidValue, "Lua stack overflow while converting a value to Lua")
        }
        switch value {
        case .nil:
            lua_pushnil(T)
        case .boolean(let flag):
            lua_pushboolean(T, flag ? 1 : 0)
        case .integer(let integer):
            lua_pushinteger(T, lua_Integer(integer))
        case .number(let number):
            lua_pushnumber(T, number)
        case .string(let string):
            push(bytes: string.bytes, on: T)
        case .array(let elements):
            try checkDepth(depth)
            lua_createtable(T, Int32(clamping: elements.count), 0)
            for (offset, element) in elements.enumerated() {
                try push(element, on: T, depth: depth + 1)
                lua_rawseti(T, -2, lua_Integer(offset + 1))
            }
        case .map(let fields):
            try checkDepth(depth)
            lua_createtable(T, 0, Int32(clamping: fields.count))
            for (key, element) in fields {
                switch key {
                case .nil:
                    throw LuaError(.invalidValue, "a table key cannot be nil")
                case .number(let number) where number.isNaN:
                    throw LuaError(.invalidValue, "a table key cannot be NaN")
                default:
                    break
                }
                try push(key, on: T, depth: depth + 1)
                try push(element, on: T, depth: depth + 1)
                lua_rawset(T, -3)
            }
        case .function(let reference), .thread(let reference), .userdata(let reference), .table(let reference):
            try push(reference, on: T)
        }
    }

    /// Pushes bytes as a Lua string (embedded NULs kept).
    func push(bytes: [UInt8], on T: OpaquePointer) {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = lua_pushlstring(T, chars.baseAddress, chars.count)
            }
        }
    }

    /// Pushes a Swift string as a Lua string.
    func push(string: String, on T: OpaquePointer) {
        var string = string
        string.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = lua_pushlstring(T, chars.baseAddress, chars.count)
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(LuaError) {
        guard depth < limits.maxConversionDepth else {
            throw LuaError(.invalidValue, "a table nested more than \(limits.maxConversionDepth) levels deep")
        }
    }
}
