import CLua

/// Installs the Swift entry points the C trampoline calls; evaluated once, before the first state.
let hostCallbacksInstalled: Void = tide_set_host_callbacks(dispatchHostFunction, releaseHostFunction)

/// The box a host function's userdata holds: its name and its Swift body.
///
/// Lua holds one retained reference per closure (in a full userdata, upvalue 1 of a
/// `tide_trampoline` C closure); the userdata's `__gc` releases it, so the box lives exactly as long
/// as the Lua function does.
final class LuaHostFunction {
    /// A body that runs to completion and pushes its results.
    typealias SyncBody = (LuaCallFrame) throws -> Int
    /// A body that checks its arguments now and returns the work to await.
    typealias AsyncBody = (LuaCallFrame) throws -> LuaAsyncOperation

    enum Body {
        case sync(SyncBody)
        case async(AsyncBody)
    }

    let name: String
    let body: Body

    init(name: String, body: Body) {
        self.name = name
        self.body = body
    }

    /// Runs the body for a call from Lua on thread `T` and returns the trampoline's status.
    ///
    /// Never raises: a thrown error is pushed and reported with `TIDE_HOST_ERROR*`, and the C
    /// trampoline raises it once this Swift frame has returned.
    func invoke(on T: OpaquePointer) -> Int32 {
        let frame = LuaCallFrame(T, name: name)
        switch body {
        case .sync(let body):
            do {
                return Int32(try body(frame))
            } catch {
                return LuaState.owner(of: T).pushError(error, on: T)
            }
        case .async(let body):
            let state = LuaState.owner(of: T)
            do {
                let operation = try body(frame)  // argument errors first, wherever the call is
                guard lua_isyieldable(T) != 0, let run = state.activeRun else {
                    throw LuaError(
                        .scriptError,
                        "'\(name)' cannot wait here: waiting is possible in a run's own code and the coroutines it "
                            + "creates, but not inside a metamethod called from C, a sort comparator, a gsub "
                            + "callback or a synchronous call")
                }
                run.pending = operation
                return TIDE_HOST_YIELD
            } catch {
                return state.pushError(error, on: T)
            }
        }
    }
}

/// Work a host function hands to the run's owner to await: its results become the call's results.
public typealias LuaAsyncOperation = @Sendable () async throws -> [LuaValue]

private func dispatchHostFunction(_ T: OpaquePointer?, _ box: UnsafeMutableRawPointer?) -> Int32 {
    guard let T, let box else { return TIDE_HOST_ERROR }
    return Unmanaged<LuaHostFunction>.fromOpaque(box)._withUnsafeGuaranteedRef { $0.invoke(on: T) }
}

private func releaseHostFunction(_ box: UnsafeMutableRawPointer?) {
    guard let box else { return }
    Unmanaged<LuaHostFunction>.fromOpaque(box).release()
}

extension LuaState {
    /// Makes a Lua function that calls Swift synchronously.
    ///
    /// The body reads its arguments from the frame, pushes its results and returns how many it
    /// pushed. Throwing raises a Lua error at the caller: a ``LuaError`` with code
    /// ``LuaError/Code/scriptError`` becomes a message prefixed with the caller's `chunk:line:`; any
    /// other code becomes an error table `{ code, message, recoverable, context }` that scripts can
    /// inspect after `pcall`.
    ///
    /// ```swift
    /// let double = lua.makeFunction(named: "double") { frame in
    ///     frame.push(integer: try frame.integer(1) * 2)
    ///     return 1
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The name used in argument errors (`bad argument #1 to 'double' …`).
    ///   - body: The Swift code.
    /// - Returns: A reference to the new Lua function.
    public func makeFunction(named name: String, _ body: @escaping (LuaCallFrame) throws -> Int) -> LuaReference {
        push(LuaHostFunction(name: name, body: .sync(body)))
    }

    /// Makes a Lua function that waits for Swift work without blocking a thread.
    ///
    /// The body runs at the call: it checks the arguments (throwing raises at the caller, as with
    /// ``makeFunction(named:_:)``) and returns the operation to await. The calling coroutine is
    /// suspended; the owner of the run awaits the operation and resumes the coroutine with its
    /// results, or raises its error at the call site. Other runs on the same state go on meanwhile.
    ///
    /// ```swift
    /// let fetch = lua.makeAsyncFunction(named: "fetch") { frame in
    ///     let url = try frame.string(1)
    ///     return { [.string(LuaString(try await download(url)))] }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The name used in argument errors.
    ///   - body: Checks the arguments and returns the work.
    /// - Returns: A reference to the new Lua function.
    public func makeAsyncFunction(
        named name: String, _ body: @escaping (LuaCallFrame) throws -> LuaAsyncOperation
    ) -> LuaReference {
        push(LuaHostFunction(name: name, body: .async(body)))
    }

    /// Makes `sleep(seconds)`: suspends the calling coroutine for that long on `clock`.
    ///
    /// - Parameter clock: The clock to sleep on; tests pass a manual clock.
    /// - Returns: A reference to the new Lua function.
    public func makeSleepFunction<C: Clock>(clock: C) -> LuaReference where C.Duration == Duration {
        makeAsyncFunction(named: "sleep") { frame in
            let seconds = try frame.number(1)
            guard seconds.isFinite, seconds >= 0, seconds <= 1e9 else {
                throw frame.argumentError(1, "a number of seconds from 0 to 1e9 expected, got \(seconds)")
            }
            return {
                try await clock.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
                return []
            }
        }
    }

    private func push(_ function: LuaHostFunction) -> LuaReference {
        collectReleasedReferences()
        tide_push_host_function(L, Unmanaged.passRetained(function).toOpaque())
        return popReference(on: L)
    }
}
