import CLua

extension LuaState {
    /// Calls a Lua function synchronously on the main thread, under the run budget, and returns its results.
    ///
    /// Use it for short, non-waiting code: a module's exports, a validation hook, a benchmark. The
    /// function cannot wait: a host function that suspends (such as `sleep`) raises instead. Code
    /// that waits runs as a coroutine through ``LuaRuntime/run(_:arguments:budget:context:)``.
    ///
    /// ```swift
    /// let add = try lua.load("return function(a, b) return a + b end", name: .label("add"), in: sandbox)
    /// let function = try lua.call(add)[0]
    /// ```
    ///
    /// - Parameters:
    ///   - function: The function to call.
    ///   - arguments: Its arguments.
    ///   - budget: Time and instructions allowed; the state's ``LuaLimits/budget`` by default.
    /// - Returns: The function's results.
    /// - Throws: A ``LuaError`` with the error's code, place and traceback.
    @discardableResult
    public func call(_ function: LuaReference, _ arguments: [LuaValue] = [], budget: LuaRunBudget? = nil)
        throws(LuaError) -> [LuaValue]
    {
        collectReleasedReferences()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        guard lua_checkstack(L, Int32(clamping: arguments.count + 2)) != 0 else {
            throw LuaError(.invalidValue, "too many arguments (\(arguments.count)) for one call")
        }
        try push(function, on: L)
        for argument in arguments {
            try push(argument, on: L)
        }
        let saved = RunControl(control.pointee)
        RunControl.armed(budget ?? limits.budget, root: L, cancelFlag: nil).apply(to: control)
        let refusals = control.pointee.mem_refusals
        let status = tide_pcall(L, Int32(arguments.count), LUA_MULTRET)
        let killReason = control.pointee.kill_reason
        saved.apply(to: control)
        if killReason != TIDE_KILL_NONE {
            tide_arm_hook(L)  // the kill re-armed the main thread to fire on every instruction
        }
        let failure = Failure(
            status: status, killReason: killReason, memoryRefused: control.pointee.mem_refusals != refusals)
        switch status {
        case LUA_OK:
            return try values(top: lua_gettop(L) - top, on: L)
        case LUA_ERRRUN:
            throw popError(info: failure)
        default:
            throw popBareError(failure)
        }
    }
}

/// The run-related fields of the C control block, saved and restored around a call.
struct RunControl {
    var deadline: Int64
    var instructionsLeft: Int64
    var instructionsLimited: Int32
    var cancelFlag: UnsafeMutableRawPointer?
    var root: OpaquePointer?
    var killReason: Int32
    /// The slice a resume may run before it is paused, and the hold cap past its end; 0 for none.
    var slice: Int64 = 0
    var hold: Int64 = 0
    /// When the slice ends (0 for none).
    var sliceEnd: Int64 = 0
    /// The account allocations are charged to (`nil`: the state's host account).
    var account: UnsafeMutablePointer<tide_account>?
    /// When these fields were made for a run (`tide_now_ns`), or 0: one clock read serves the
    /// deadline, the slice and the run's time.
    var armedAt: Int64 = 0

    init(_ control: tide_control) {
        deadline = control.deadline_ns
        instructionsLeft = control.instructions_left
        instructionsLimited = control.instructions_limited
        cancelFlag = control.cancel_flag
        root = control.root
        killReason = control.kill_reason
        slice = control.slice_ns
        hold = control.hold_ns
        sliceEnd = control.slice_end_ns
        account = control.account
    }

    private init(
        budget: LuaRunBudget, used: LuaRunUsage, root: OpaquePointer, cancelFlag: UnsafeMutableRawPointer?,
        slices: LuaLimits?, account: UnsafeMutablePointer<tide_account>?
    ) {
        let slice = slices?.slice.map { max(1, $0.nanoseconds) } ?? 0
        let now = slice != 0 || budget.time != nil ? tide_now_ns() : 0
        if slice != 0 {
            self.slice = slice
            sliceEnd = now + slice
            hold = slices?.holdTime.map { max(1, $0.nanoseconds) } ?? 0
        }
        armedAt = now
        self.account = account
        if let time = budget.time {
            let remaining = max(0, time.nanoseconds - used.nanoseconds)
            deadline = now + max(1, remaining)
        } else {
            deadline = 0
        }
        if let instructions = budget.instructions {
            instructionsLeft = Int64(max(0, instructions - used.instructions))
            instructionsLimited = 1
        } else {
            instructionsLeft = 0
            instructionsLimited = 0
        }
        self.cancelFlag = cancelFlag
        self.root = root
        killReason = TIDE_KILL_NONE
    }

    /// The fields for running `root` under what is left of `budget`; in slices of `slices` (a
    /// resume of a run: ``LuaLimits/slice`` and ``LuaLimits/holdTime``), charged to `account`.
    static func armed(
        _ budget: LuaRunBudget, used: LuaRunUsage = LuaRunUsage(), root: OpaquePointer,
        cancelFlag: UnsafeMutableRawPointer?, slices: LuaLimits? = nil,
        account: UnsafeMutablePointer<tide_account>? = nil
    ) -> RunControl {
        RunControl(budget: budget, used: used, root: root, cancelFlag: cancelFlag, slices: slices, account: account)
    }

    /// The fields between runs: no budget, no cancel flag, no kill.
    static func idle(_ main: OpaquePointer) -> RunControl {
        RunControl(budget: .unlimited, used: LuaRunUsage(), root: main, cancelFlag: nil, slices: nil, account: nil)
    }

    /// Puts these fields in force.
    func apply(to control: UnsafeMutablePointer<tide_control>) {
        control.pointee.slice_ns = slice
        control.pointee.hold_ns = hold
        control.pointee.slice_end_ns = sliceEnd
        control.pointee.hold_started_ns = 0
        control.pointee.pause_refused = 0
        control.pointee.preempted = 0
        control.pointee.account = account ?? tide_host_account(control)
        control.pointee.deadline_ns = deadline
        control.pointee.instructions_left = instructionsLeft
        control.pointee.instructions_limited = instructionsLimited
        control.pointee.cancel_flag = cancelFlag
        control.pointee.root = root
        control.pointee.kill_reason = killReason
    }
}

/// What a run has used of its budget so far.
struct LuaRunUsage {
    var nanoseconds: Int64 = 0
    var instructions = 0
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
