import CLua

/// The owner of one ``LuaState``: runs scripts on it as coroutines, concurrently, from one actor.
///
/// All access to the state goes through the actor, so the state is touched by one thread at a time
/// (DESIGN.md rule 2). Each ``run(_:arguments:budget:context:)`` is a coroutine of the state: when its
/// script calls a host function that waits (such as `sleep`), the run suspends without blocking a
/// thread, and other runs use the state until the work is done. Ten thousand runs sleeping at once
/// cost memory, not threads.
///
/// ```swift
/// let runtime = try LuaRuntime()
/// let results = try await runtime.withState { lua in
///     let sleep = lua.makeSleepFunction(clock: ContinuousClock())
///     let sandbox = try lua.makeSandbox(globals: ["sleep": .function(sleep)])
///     return try lua.load("sleep(0.01) return 'done'", name: .label("demo"), in: sandbox)
/// }
/// try await runtime.run(results)   // ["done"]
/// ```
///
/// Cancelling the task that awaits ``run(_:arguments:budget:context:)`` stops the script at its next
/// instruction check or wait, with ``LuaError/Code/cancelled``.
public actor LuaRuntime {
    private let state: LuaState

    /// Creates a runtime with a new state.
    ///
    /// - Parameter limits: The state's limits.
    /// - Throws: ``LuaError/Code/internalError`` if the state cannot be created.
    public init(limits: LuaLimits = .default) throws {
        state = try LuaState(limits: limits)
    }

    /// Gives synchronous access to the state, for loading code and making host functions.
    ///
    /// The state must not escape the closure.
    ///
    /// - Parameter body: Work on the state.
    /// - Returns: What `body` returns.
    public func withState<T: Sendable>(_ body: @Sendable (LuaState) throws -> T) rethrows -> T {
        try body(state)
    }

    /// Runs `function` as a coroutine until it returns or fails.
    ///
    /// - Parameters:
    ///   - function: The Lua function to run.
    ///   - arguments: Its arguments.
    ///   - budget: Time and instructions allowed; the state's ``LuaLimits/budget`` by default.
    ///   - context: Data host functions called by this run can reach (``LuaCallFrame/runContext``).
    ///   - results: How the results are named in errors and how large they may be.
    /// - Returns: The function's results.
    /// - Throws: A ``LuaError``; ``LuaError/Code/cancelled`` if the calling task is cancelled; the
    ///   error itself for an asynchronous host function's error that ends the run
    ///   (``LuaError/endsRun``).
    public func run(
        _ function: LuaReference, arguments: [LuaValue] = [], budget: LuaRunBudget? = nil,
        context: (any Sendable)? = nil, results: LuaValueBound? = nil
    ) async throws -> [LuaValue] {
        let run = try state.startRun(
            function, arguments: arguments, budget: budget ?? state.limits.budget, context: context, results: results)
        defer { state.finishRun(run) }
        let flag = run.cancelFlag
        return try await withTaskCancellationHandler {
            try await drive(run)
        } onCancel: {
            flag.set()
        }
    }

    /// Runs `function` as ``run(_:arguments:budget:context:results:)`` does, then `finishing` with
    /// the state and how the run ended, before anything else can use the state: the results can be
    /// turned into what the caller keeps without another trip to the actor.
    ///
    /// - Returns: What `finishing` returns.
    public func run<T: Sendable>(
        _ function: LuaReference, arguments: [LuaValue] = [], budget: LuaRunBudget? = nil,
        context: (any Sendable)? = nil, results: LuaValueBound? = nil,
        finishing: (LuaState, Result<[LuaValue], any Error>) throws -> T
    ) async throws -> T {
        let outcome: Result<[LuaValue], any Error>
        do {
            outcome = .success(
                try await run(function, arguments: arguments, budget: budget, context: context, results: results))
        } catch {
            outcome = .failure(error)
        }
        return try finishing(state, outcome)
    }

    /// Loads `source` into a fresh environment of `sandbox` and runs it.
    ///
    /// - Parameters:
    ///   - source: Lua source text.
    ///   - name: The chunk name.
    ///   - sandbox: The sandbox whose environment the chunk gets.
    ///   - arguments: Passed to the chunk as `...`.
    ///   - budget: Time and instructions allowed.
    /// - Returns: What the chunk returns.
    public func run(
        source: String, name: LuaChunkName, in sandbox: LuaSandbox, arguments: [LuaValue] = [],
        budget: LuaRunBudget? = nil
    ) async throws -> [LuaValue] {
        let chunk = try state.load(source, name: name, in: sandbox)
        return try await run(chunk, arguments: arguments, budget: budget)
    }

    private func drive(_ run: LuaRun) async throws -> [LuaValue] {
        var input = LuaResumeInput.start
        while true {
            switch state.resume(run, with: input) {
            case .finished(let values):
                return values
            case .failed(let error):
                throw error
            case .sliced:
                // Its slice is used up: the other runs waiting for the state go first.
                await Task.yield()
                input = .values([])
            case .waiting(let operation):
                do {
                    input = .values(try await operation())
                } catch is CancellationError {
                    throw state.abandon(run, killReason: TIDE_KILL_CANCELLED)
                } catch {
                    input = .error(error)
                }
            }
        }
    }
}
