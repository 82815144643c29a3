/// The limits a ``LuaState`` enforces on the scripts it runs.
///
/// Limits come in two kinds. **Per state**: the memory cap and the input caps of library
/// functions, shared by every script on the state. **Per run**: the time and instruction budgets,
/// which each run (``LuaRuntime/run(_:arguments:budget:context:)``) or call (``LuaState/call(_:_:budget:)``)
/// gets afresh; a run's own ``LuaRunBudget`` can override them.
///
/// Time is the time a run spends *executing Lua*: a run waiting on a host function such as
/// `sleep` uses none. Budgets are enforced by a count hook every ``hookInterval`` instructions, so
/// a run may overshoot by up to that many instructions; a C library function in progress cannot be
/// interrupted, which is why its inputs are capped (``maxPatternSubject``, ``maxPatternCost``,
/// ``maxStringResult``, ``maxTableSpan``).
///
/// ```swift
/// var limits = LuaLimits.default
/// limits.memory = 64 << 20
/// limits.runTime = .milliseconds(200)
/// let lua = try LuaState(limits: limits)
/// ```
public struct LuaLimits: Sendable, Hashable {
    /// The most bytes the state may allocate, or `nil` for no cap. Default 256 MiB.
    public var memory: Int?
    /// Lua execution time allowed per run, or `nil` for none. Default 30 seconds.
    public var runTime: Duration?
    /// VM instructions allowed per run, or `nil` for no count. Default `nil`.
    public var instructions: Int?
    /// Instructions between two checks of the budgets and the cancel flag. Default 1000.
    public var hookInterval: Int
    /// The largest source text `load`, `require` or the host may compile, in bytes. Default 4 MiB.
    public var maxSourceBytes: Int
    /// The longest subject `string.find/match/gmatch/gsub` accept, in bytes. Default 1 MiB.
    public var maxPatternSubject: Int
    /// The worst-case backtracking steps one pattern call may take (see the guards). Default 5e7,
    /// roughly a quarter of a second on this class of machine.
    public var maxPatternCost: Double
    /// The longest string `string.rep` may build, in bytes. Default 16 MiB.
    public var maxStringResult: Int
    /// The most elements one `table.concat/unpack/move/insert/remove/sort` call may visit. Default 1,000,000.
    public var maxTableSpan: Int
    /// The deepest table nesting converted between Lua and Swift. Default 100.
    public var maxConversionDepth: Int
    /// The most values one conversion from Lua may produce. Default 1,000,000.
    public var maxConversionElements: Int
    /// The longest error message kept, in bytes; longer ones are cut and marked. Default 4 KiB.
    public var maxErrorMessageBytes: Int
    /// The Lua time a run (``LuaRuntime/run(_:arguments:budget:context:results:)``) may use before
    /// it is paused, so that the other runs of the state get a turn; `nil` never pauses a run.
    /// Default 10 ms.
    public var slice: Duration?
    /// How long past the end of its slice a run may go where it cannot be paused (inside a C
    /// function that called Lua: a `table.sort` comparator, a `string.gsub` callback, a metamethod
    /// called from C) before it fails with ``LuaError/Code/scriptTimeout``; `nil` for no cap.
    /// Counted in CPU time of the thread that runs it, so that a machine too busy to run the
    /// process does not count against the script. Default 100 ms. Only runs in slices are held to it.
    public var holdTime: Duration?

    /// Creates limits; every argument has the documented default.
    public init(
        memory: Int? = 256 << 20,
        runTime: Duration? = .seconds(30),
        instructions: Int? = nil,
        hookInterval: Int = 1000,
        maxSourceBytes: Int = 4 << 20,
        maxPatternSubject: Int = 1 << 20,
        maxPatternCost: Double = 5e7,
        maxStringResult: Int = 16 << 20,
        maxTableSpan: Int = 1_000_000,
        maxConversionDepth: Int = 100,
        maxConversionElements: Int = 1_000_000,
        maxErrorMessageBytes: Int = 4096,
        slice: Duration? = .milliseconds(10),
        holdTime: Duration? = .milliseconds(100)
    ) {
        self.slice = slice
        self.holdTime = holdTime
        self.memory = memory
        self.runTime = runTime
        self.instructions = instructions
        self.hookInterval = max(1, hookInterval)
        self.maxSourceBytes = maxSourceBytes
        self.maxPatternSubject = maxPatternSubject
        self.maxPatternCost = maxPatternCost
        self.maxStringResult = maxStringResult
        self.maxTableSpan = maxTableSpan
        self.maxConversionDepth = maxConversionDepth
        self.maxConversionElements = maxConversionElements
        self.maxErrorMessageBytes = maxErrorMessageBytes
    }

    /// The defaults listed on each property.
    public static let `default` = LuaLimits()

    /// The per-run part of these limits.
    public var budget: LuaRunBudget { LuaRunBudget(time: runTime, instructions: instructions) }
}

/// The time and instruction budget of one run or call.
public struct LuaRunBudget: Sendable, Hashable {
    /// Lua execution time allowed, or `nil` for none.
    public var time: Duration?
    /// VM instructions allowed, or `nil` for no count.
    public var instructions: Int?
    /// The run's share of the state's memory, in bytes: past it the run's allocations are refused
    /// (``LuaError/Code/memoryLimit``), whatever the rest of the state uses; `nil` for no share of
    /// its own (only the state's cap). Blocks are charged to the run that grew them last and
    /// credited back when freed. Only runs (``LuaRuntime``) have shares, not calls.
    public var memory: Int?

    /// Creates a budget.
    public init(time: Duration? = nil, instructions: Int? = nil, memory: Int? = nil) {
        self.time = time
        self.instructions = instructions
        self.memory = memory
    }

    /// No budget at all: only cancellation can stop the run.
    public static let unlimited = LuaRunBudget()
}
