import CLua

extension LuaState {
    /// What was true when a Lua error was caught, to classify it.
    struct Failure {
        /// The status `lua_pcall`, `lua_resume` or `lua_load` returned.
        var status: Int32
        /// The hook's kill reason (`TIDE_KILL_*`).
        var killReason: Int32 = TIDE_KILL_NONE
        /// Whether the allocator refused an allocation while the code ran.
        var memoryRefused = false
        /// The run's share of memory, when the allocator refused to grow the run past it.
        var shareRefused: Int?
    }

    /// Builds a ``LuaError`` from the `{error, traceback, source, line}` table on top of the main
    /// thread (made by `tide_push_error_info`), then pops it.
    ///
    /// Reads with raw access only and never calls `__tostring` on the error object.
    func popError(info failure: Failure) -> LuaError {
        defer { lua_settop(L, -2) }
        let info = lua_gettop(L)
        var error = LuaError(.scriptError, "")
        lua_rawgeti(L, info, 1)
        describeErrorObject(at: lua_gettop(L), into: &error)
        lua_settop(L, info)
        if lua_rawgeti(L, info, 2) == LUA_TSTRING {
            error.traceback = text(at: -1, on: L, limit: 16 * 1024)
        }
        // The innermost Lua frame, unless the message already names the place error() blamed.
        if lua_rawgeti(L, info, 3) == LUA_TSTRING {
            let frameChunk = displayName(ofChunk: text(at: -1, on: L))
            if error.line == nil {
                error.chunkName = frameChunk
                if lua_rawgeti(L, info, 4) == LUA_TNUMBER {
                    error.line = Int(lua_tointegerx(L, -1, nil))
                }
            } else {
                error.restoreTruncatedChunkName(frameChunk)
            }
        }
        lua_settop(L, info)
        classify(&error, failure)
        return error
    }

    /// Builds a ``LuaError`` from a bare error object on top of the main thread (a memory error,
    /// which Lua raises without calling the message handler), then pops it.
    func popBareError(_ failure: Failure) -> LuaError {
        defer { lua_settop(L, -2) }
        var error = LuaError(.scriptError, "")
        describeErrorObject(at: lua_gettop(L), into: &error)
        classify(&error, failure)
        return error
    }

    /// Fills code, message, recoverable and context from an error object: a string, a table
    /// `{ code, message, recoverable, context }`, or anything else.
    private func describeErrorObject(at index: Int32, into error: inout LuaError) {
        let limit = limits.maxErrorMessageBytes
        switch lua_type(L, index) {
        case LUA_TSTRING:
            error.message = text(at: index, on: L, limit: limit)
        case LUA_TTABLE:
            let codeType = rawField("code", of: index)
            var badCode: String?
            if codeType == LUA_TSTRING {
                let code = text(at: -1, on: L, limit: 128)
                if code.isEmpty { badCode = "an empty string" } else { error.code = LuaError.Code(rawValue: code) }
            } else if codeType != LUA_TNIL {
                let shown = codeType == LUA_TNUMBER ? " (\(text(ofNumberAt: -1)))" : ""
                badCode = "a \(String(cString: lua_typename(L, codeType)))\(shown)"
            }
            lua_settop(L, index)
            let hasMessage = rawField("message", of: index) == LUA_TSTRING
            if hasMessage { error.message = text(at: -1, on: L, limit: limit) }
            lua_settop(L, index)
            if let badCode {
                let shown = hasMessage ? ": \(error.message)" : ""
                error.message =
                    "an error table was raised whose code is \(badCode), not a string\(shown); raise "
                    + #"error { code = "MY_CODE", message = "what went wrong" } or error("what went wrong")"#
            } else if !hasMessage {
                error.message =
                    error.code == .scriptError
                    ? "an error table without a code or a message was raised; raise "
                        + #"error { code = "MY_CODE", message = "what went wrong" } or error("what went wrong")"#
                    : error.code.rawValue
            }
            if rawField("recoverable", of: index) == LUA_TBOOLEAN {
                error.recoverable = lua_toboolean(L, -1) != 0
            }
            lua_settop(L, index)
            if rawField("context", of: index) != LUA_TNIL {
                error.context = try? value(at: -1, on: L)
            }
            lua_settop(L, index)
        default:
            error.message = "(error object is a \(String(cString: lua_typename(L, lua_type(L, index)))) value)"
        }
        // "chunk:line: message": the place error() named is the one to blame.
        if let place = MessagePlace(error.message) {
            error.message = place.message
            error.chunkName = place.chunk
            error.line = place.line
        }
    }

    /// A number on the main thread's stack as Lua writes it, without converting it in place.
    private func text(ofNumberAt index: Int32) -> String {
        lua_isinteger(L, index) != 0 ? String(lua_tointegerx(L, index, nil)) : String(lua_tonumberx(L, index, nil))
    }

    /// Pushes `t[name]` with raw access and returns its type.
    private func rawField(_ name: StaticString, of table: Int32) -> Int32 {
        name.withUTF8Buffer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = lua_pushlstring(L, chars.baseAddress, chars.count)
            }
        }
        return lua_rawget(L, table)
    }

    /// Applies what the host knows better than the error object: kills and memory errors.
    private func classify(_ error: inout LuaError, _ failure: Failure) {
        switch failure.killReason {
        case TIDE_KILL_CANCELLED:
            error.code = .cancelled
            error.message = "script cancelled"
        case TIDE_KILL_TIMEOUT:
            error.code = .scriptTimeout
            error.message = "script exceeded its time limit"
        case TIDE_KILL_INSTRUCTIONS:
            error.code = .scriptTimeout
            error.message = "script exceeded its instruction limit"
        case TIDE_KILL_HELD:
            error.code = .scriptTimeout
            let hold = limits.holdTime.map { "\($0)" } ?? "its hold time"
            error.message =
                "script ran more than \(hold) past its time slice where it could not be paused (inside a "
                + "table.sort comparator, a string.gsub callback or a metamethod called from C): such code holds "
                + "the state every other task needs; do less per call, or raise the holdTime limit"
        default:
            let outOfMemory =
                failure.status == LUA_ERRMEM
                || (failure.memoryRefused && error.message.hasSuffix("not enough memory"))
                || (failure.status == LUA_ERRERR && failure.memoryRefused)
            if let share = failure.shareRefused, outOfMemory {
                error.code = .memoryLimit
                error.message =
                    "not enough memory: the task used its share of the state's memory (taskMemory, "
                    + "\(share.byteCountText)); raise taskMemory or lower the concurrency to give each task more"
            } else if outOfMemory {
                error.code = .memoryLimit
                let cap = limits.memory.map { " of \($0 >> 20) MiB" } ?? ""
                error.message = "not enough memory: the state reached its memory limit\(cap)"
            } else if failure.status == LUA_ERRSYNTAX {
                error.code = .syntaxError
            }
        }
    }

    /// `@path` → `path`, `=name` → `name`; source text chunks as Lua shows them.
    func displayName(ofChunk source: String) -> String {
        if source.hasPrefix("@") || source.hasPrefix("=") { return String(source.dropFirst()) }
        let firstLine = source.prefix { $0 != "\n" }
        return
            "[string \"\(firstLine.prefix(40))\(firstLine.count > 40 || firstLine.count < source.count ? "..." : "")\"]"
    }

    /// Pushes the Lua error object for a Swift error thrown by host code onto thread `T`.
    ///
    /// - Returns: `TIDE_HOST_ERROR` for a plain message (the trampoline adds the caller's
    ///   `chunk:line:`), `TIDE_HOST_ERROR_OBJECT` for a table with a code, raised as it is.
    func pushError(_ error: any Error, on T: OpaquePointer) -> Int32 {
        let luaError: LuaError
        if let error = error as? LuaError {
            luaError = error
        } else {
            luaError = LuaError(.hostError, String(describing: error))
        }
        if luaError.code == .scriptError, luaError.context == nil, luaError.recoverable == nil {
            push(string: luaError.message, on: T)
            return TIDE_HOST_ERROR
        }
        var fields: [LuaValue: LuaValue] = [
            "code": .string(LuaString(luaError.code.rawValue)),
            "message": .string(LuaString(luaError.message)),
        ]
        if let recoverable = luaError.recoverable { fields["recoverable"] = .boolean(recoverable) }
        if let context = luaError.context { fields["context"] = context }
        do {
            try push(.map(fields), on: T)
        } catch {
            push(string: luaError.description, on: T)
            return TIDE_HOST_ERROR
        }
        tide_set_error_metatable(T, -1)
        return TIDE_HOST_ERROR_OBJECT
    }
}

extension LuaError {
    /// Lua shortens long chunk names in messages to `...<end of the path>`; puts back the full
    /// name when `full` is the name that was shortened.
    mutating func restoreTruncatedChunkName(_ full: String) {
        guard let shown = chunkName, shown.hasPrefix("..."), full.hasSuffix(shown.dropFirst(3)) else { return }
        chunkName = full
    }
}

/// The `chunk:line: ` prefix Lua puts on error messages, split off.
struct MessagePlace {
    var chunk: String
    var line: Int
    var message: String

    /// Splits `"plan.lua:12: boom"` into `plan.lua`, `12`, `boom`; `nil` if there is no such prefix.
    init?(_ text: String) {
        var search = text.startIndex
        while let colon = text[search...].firstIndex(of: ":") {
            let digits = text[text.index(after: colon)...].prefix { $0.isASCII && $0.isNumber }
            let afterDigits = digits.endIndex
            if !digits.isEmpty, let line = Int(digits), text[afterDigits...].hasPrefix(": "), colon > text.startIndex {
                chunk = String(text[..<colon])
                self.line = line
                message = String(text[text.index(afterDigits, offsetBy: 2)...])
                return
            }
            search = text.index(after: colon)
        }
        return nil
    }
}
