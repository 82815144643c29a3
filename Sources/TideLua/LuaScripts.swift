public import Lua
public import TideCore

/// The Lua state that recovery strategies and alert handlers run on, with their `tide` API.
///
/// Strategies and handlers are operators' scripts: they run sandboxed on a state of their own
/// (not a plan's), each call as a coroutine with its own time budget. What they can call:
///
/// - `tide.log.debug/info/warning/error(msg, context?)` and `print(…)`: a message in the execution
///   the call is about (or the host's log);
/// - `tide.emit(description, data?)`: a custom event in that execution;
/// - `tide.sleep(duration)`: a backoff that blocks nothing; `tide.now()`: the engine clock's time
///   in seconds;
/// - `tide.pause(id)`, `tide.resume(id)`, `tide.cancel(id)`, `tide.setConcurrency(id, n)`: control
///   an execution (alert handlers use them; the spec's auto-scaling).
public final class LuaScripts: Sendable {
    /// The state scripts run on.
    public let runtime: LuaRuntime
    /// The engine scripts act on.
    public let engine: DefaultExecutionEngine
    /// The options scripts were loaded with.
    public let options: LuaScriptOptions
    let sandbox: LuaSandbox

    /// Creates the state and its `tide` API.
    ///
    /// - Throws: ``LuaError`` if the state cannot be created.
    public init(engine: DefaultExecutionEngine, options: LuaScriptOptions = LuaScriptOptions()) async throws {
        self.engine = engine
        self.options = options
        runtime = try LuaRuntime(limits: options.limits)
        let stdlib = options.stdlibPath
        let clock = options.clock
        let log = options.log
        sandbox = try await runtime.withState { lua in
            let api = ScriptAPI(lua: lua, engine: engine, clock: clock, log: log)
            let tide = try lua.reference(to: api.table())
            try lua.makeReadOnly(tide, name: "tide")
            return try lua.makeSandbox(
                searchPaths: stdlib.map { [$0] } ?? [], readOnlyFolders: Set(stdlib.map { [$0] } ?? []),
                globals: ["tide": .table(tide), "print": .function(api.print())])
        }
    }

    /// Compiles `source` in a fresh environment and runs it; returns what it returns.
    func evaluate(_ source: String, name: LuaChunkName) async throws -> (LuaValue, LuaReference) {
        let sandbox = self.sandbox
        let chunk = try await runtime.withState { lua in try lua.load(source, name: name, in: sandbox) }
        let values = try await runtime.run(chunk, budget: options.limits.budget)
        return (values.first ?? .nil, chunk)
    }

    /// Runs a script function with one argument, for an execution (or none), within the call
    /// timeout and `budget` (the state's by default).
    func call(_ function: LuaReference, _ argument: LuaValue, executionId: String?, budget: LuaRunBudget? = nil)
        async throws -> LuaValue
    {
        let runtime = self.runtime
        let budget = budget ?? options.limits.budget
        let scope = ScriptScope(executionId: executionId)
        let timeout = options.callTimeout
        return try await withThrowingTaskGroup(of: LuaValue?.self) { group in
            group.addTask {
                try await runtime.run(function, arguments: [argument], budget: budget, context: scope).first ?? .nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw LuaError(.scriptTimeout, "the call did not finish within \(timeout) and was stopped")
            }
            return value
        }
    }

    /// Where a function is defined.
    func definition(of function: LuaReference) async -> LuaSourceLocation? {
        await runtime.withState { lua in lua.definition(of: function) }
    }
}

/// Options of the scripts' state.
public struct LuaScriptOptions: Sendable {
    /// Limits of the state; ``LuaLimits/budget`` bounds the Lua time of each call.
    public var limits: LuaLimits
    /// The longest a call may take in wall time (a strategy's backoff included).
    public var callTimeout: Duration
    /// The clock `tide.sleep` sleeps on.
    public var clock: EngineClock
    /// The folder of Lua modules scripts may `require`.
    public var stdlibPath: String?
    /// Receives messages of calls that concern no execution, and load reports.
    public var log: (@Sendable (MessageLevel, String) -> Void)?

    /// Creates options: 64 MiB, 2 s of Lua time per call, 5 minutes of wall time per call.
    public init(
        limits: LuaLimits = LuaLimits(memory: 64 << 20, runTime: .seconds(2)), callTimeout: Duration = .seconds(300),
        clock: EngineClock = .continuous, stdlibPath: String? = nil,
        log: (@Sendable (MessageLevel, String) -> Void)? = nil
    ) {
        self.limits = limits
        self.callTimeout = callTimeout
        self.clock = clock
        self.stdlibPath = stdlibPath
        self.log = log
    }
}

/// What a script call is about (its run context).
struct ScriptScope: Sendable {
    let executionId: String?
}
