import CLua

extension LuaState {
    /// Bytes the host holds on the state's behalf (``hold(_:for:)``), counted against its memory cap.
    public var heldMemory: Int { control.pointee.mem_external }

    /// Counts `bytes` the host keeps for the state's scripts — data copied out of Lua that lives on
    /// in Swift (a task's state, a result, event data) — against the state's memory cap, so that
    /// everything a script can cause shares one cap. What the host holds may use at most half of
    /// the cap, so that kept data never leaves the running scripts without room.
    ///
    /// - Parameters:
    ///   - bytes: The size of what is kept.
    ///   - what: How scripts name it, for the error (`ctx.state`).
    /// - Throws: ``LuaError/Code/memoryLimit``, holding nothing, if the state's memory and what the
    ///   host already holds would pass the cap.
    public func hold(_ bytes: Int, for what: String) throws(LuaError) {
        guard bytes > 0 else { return }
        let limit = control.pointee.mem_limit
        let held = control.pointee.mem_external + bytes
        if limit != 0 && held > limit / 2 {
            throw LuaError(
                .memoryLimit,
                "not enough memory to keep \(what) (\(bytes.byteCountText)): the data the scripts keep in the "
                    + "execution would pass half of the memory limit of \(limit.byteCountText)")
        }
        if limit != 0 && control.pointee.mem_used + held > limit {
            throw LuaError(
                .memoryLimit,
                "not enough memory to keep \(what) (\(bytes.byteCountText)): the state's memory and the data "
                    + "its scripts keep in the execution would pass the memory limit of \(limit.byteCountText)")
        }
        control.pointee.mem_external += bytes
    }

    /// Stops counting `bytes` held with ``hold(_:for:)`` (the host let go of that data).
    public func releaseHeld(_ bytes: Int) {
        control.pointee.mem_external -= min(bytes, control.pointee.mem_external)
    }

    /// Puts new limits in force for what runs from now on: the memory cap (which may be lower than
    /// what is in use: the next allocation fails then), the default run budget and the input caps.
    /// The hook interval and ``LuaLimits/maxSourceBytes`` of the prelude keep their first values.
    public func setLimits(_ limits: LuaLimits) {
        self.limits = limits
        control.pointee.max_pattern_subject = limits.maxPatternSubject
        control.pointee.max_pattern_cost = limits.maxPatternCost
        control.pointee.max_string_result = limits.maxStringResult
        control.pointee.max_table_span = lua_Integer(limits.maxTableSpan)
        control.pointee.mem_limit = limits.memory ?? 0
    }
}
