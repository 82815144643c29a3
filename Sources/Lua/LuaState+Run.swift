import CLua

extension LuaState {
    /// Creates a coroutine that will call `function` with `arguments`.
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` if an argument cannot be converted.
    func startRun(
        _ function: LuaReference, arguments: [LuaValue], budget: LuaRunBudget, context: (any Sendable)? = nil,
        results: LuaValueBound? = nil
    ) throws(LuaError) -> LuaRun {
        collectReleasedReferences()
        guard let thread = lua_newthread(L) else {
            throw LuaError(.memoryLimit, "not enough memory to start a run")
        }
        lua_rawgeti(L, registryIndex, lua_Integer(rootsSlot))  // roots[thread] = true
        lua_pushvalue(L, -2)
        lua_pushboolean(L, 1)
        lua_rawset(L, -3)
        lua_settop(L, -2)
        let slot = luaL_ref(L, registryIndex)
        let run = LuaRun(
            thread: thread, slot: slot, budget: budget, argumentCount: Int32(arguments.count), context: context,
            results: results, control: control)
        do throws(LuaError) {
            guard lua_checkstack(thread, Int32(clamping: arguments.count + 1)) != 0 else {
                throw LuaError(.invalidValue, "too many arguments (\(arguments.count)) for one run")
            }
            try push(function, on: thread)
            for argument in arguments {
                try push(argument, on: thread)
            }
        } catch {
            finishRun(run)
            throw error
        }
        return run
    }

    /// Resumes a run until it finishes, fails, or waits for host work.
    ///
    /// A failed run's coroutine is closed (pending `__close` handlers run, under the run's budget)
    /// before this returns.
    func resume(_ run: LuaRun, with input: LuaResumeInput) -> LuaRunStep {
        collectReleasedReferences()
        let co = run.thread
        if run.cancelFlag.isSet {
            return .failed(abandon(run, killReason: TIDE_KILL_CANCELLED))
        }
        // Armed first: what is pushed for the run (a host function's results, a process's output)
        // is charged to its share.
        let armed = RunControl.armed(
            run.budget, used: run.usage, root: co, cancelFlag: run.cancelFlag.pointer, slices: limits,
            account: run.account)
        armed.apply(to: control)
        var argumentCount: Int32
        switch input {
        case .start:
            argumentCount = run.argumentCount
        case .values(let values):
            let top = lua_gettop(co)
            do throws(LuaError) {
                guard lua_checkstack(co, Int32(clamping: values.count)) != 0 else {
                    throw LuaError(.invalidValue, "too many results (\(values.count)) for one call")
                }
                for value in values {
                    try push(value, on: co)
                }
            } catch {
                lua_settop(co, 0)
                return .failed(abandon(run, killReason: TIDE_KILL_NONE, error: error))
            }
            argumentCount = Int32(values.count)
            if let share = run.budget.memory, run.account.pointee.used > share {
                // Handed more than its share: a memory error where it called, as an allocation would raise.
                lua_settop(co, top)
                _ = pushError(
                    LuaError(
                        .memoryLimit,
                        "not enough memory: what the call handed back (a process's output, a host function's "
                            + "results) took the task past its share of the state's memory (taskMemory, "
                            + "\(share.byteCountText)); raise taskMemory, or keep less of it"),
                    on: co)
                control.pointee.resume_error = 1
                argumentCount = 1
            }
        case .error(let error as LuaError) where error.endsRun:
            return .failed(abandon(run, killReason: TIDE_KILL_CANCELLED, error: error))
        case .error(let error):
            _ = pushError(error, on: co)
            control.pointee.resume_error = 1
            argumentCount = 1
        }

        control.pointee.host_yield = 0
        let instructionsBefore = control.pointee.instructions_left
        let refusals = control.pointee.mem_refusals
        let shareRefusals = run.account.pointee.refusals
        let start = armed.armedAt != 0 ? armed.armedAt : tide_now_ns()
        activeRun = run
        var resultCount: Int32 = 0
        let status = tide_resume(co, L, argumentCount, &resultCount)
        control.pointee.paused_thread = nil
        activeRun = nil
        run.usage.nanoseconds += tide_now_ns() - start
        if run.budget.instructions != nil {
            run.usage.instructions += Int(instructionsBefore - control.pointee.instructions_left)
        }
        let hostYield = control.pointee.host_yield != 0
        let preempted = control.pointee.preempted != 0
        control.pointee.host_yield = 0
        control.pointee.resume_error = 0
        control.pointee.preempted = 0
        let failure = Failure(
            status: status, killReason: control.pointee.kill_reason,
            memoryRefused: control.pointee.mem_refusals != refusals,
            shareRefused: run.account.pointee.refusals != shareRefusals ? run.budget.memory : nil)

        if failure.killReason != TIDE_KILL_NONE {
            lua_pushnil(L)  // a kill by yield leaves no error object
            return .failed(closeFailed(run, failure))
        }
        switch status {
        case LUA_OK:
            defer { lua_settop(co, 0) }
            RunControl.idle(L).apply(to: control)
            do {
                return .finished(try values(top: resultCount, on: co, bound: run.results))
            } catch {
                return .failed(error)
            }
        case LUA_YIELD:
            lua_settop(co, -resultCount - 1)
            if hostYield, let operation = run.pending {
                run.pending = nil
                RunControl.idle(L).apply(to: control)
                return .waiting(operation)
            }
            if preempted && !hostYield && resultCount == 0 {
                RunControl.idle(L).apply(to: control)
                return .sliced
            }
            let error = LuaError(
                .scriptError,
                "attempt to yield from outside a coroutine: a run's own function cannot call coroutine.yield; "
                    + "create a coroutine with coroutine.wrap or coroutine.create and yield inside it")
            lua_pushnil(L)
            var described = closeFailed(run, failure)
            described.code = error.code
            described.message = error.message
            return .failed(described)
        default:
            lua_xmove(co, L, 1)
            return .failed(closeFailed(run, failure))
        }
    }

    /// Stops a run from outside a resume (cancelled while waiting, or a bad resume value).
    func abandon(_ run: LuaRun, killReason: Int32, error: LuaError? = nil) -> LuaError {
        RunControl.armed(run.budget, used: run.usage, root: run.thread, cancelFlag: nil, account: run.account)
            .apply(to: control)
        control.pointee.kill_reason = killReason
        lua_pushnil(L)
        var described = closeFailed(run, Failure(status: LUA_OK, killReason: killReason))
        if let error {
            described.code = error.code
            described.message = error.message
            described.recoverable = error.recoverable ?? described.recoverable
            described.context = error.context ?? described.context
            if error.chunkName != nil {
                described.chunkName = error.chunkName
                described.line = error.line
            }
        }
        return described
    }

    /// Turns the error object on top of the main thread into a ``LuaError`` with the failed
    /// coroutine's traceback, then closes the coroutine.
    private func closeFailed(_ run: LuaRun, _ failure: Failure) -> LuaError {
        tide_push_error_info(L, run.thread, 0)
        let error = popError(info: failure)
        // Still armed with the run's budget and kill reason: a looping __close is stopped too.
        _ = tide_reset_thread(run.thread)
        lua_settop(run.thread, 0)
        if control.pointee.kill_reason != TIDE_KILL_NONE {
            tide_arm_hook(run.thread)
        }
        RunControl.idle(L).apply(to: control)
        return error
    }

    /// Releases a run's coroutine.
    func finishRun(_ run: LuaRun) {
        guard !run.isFinished else { return }
        run.isFinished = true
        run.pending = nil
        luaL_unref(L, registryIndex, run.slot)
        tide_account_retire(control, run.account)
    }
}
