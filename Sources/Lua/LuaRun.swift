import CLua

/// One execution of a Lua function as a coroutine of its state (DESIGN.md rule 3).
///
/// The coroutine is anchored in the registry for as long as the run exists. The owner resumes it
/// step by step (``LuaState/resume(_:with:)``); between steps it may await the work of a host
/// function while other runs use the state.
final class LuaRun {
    /// The coroutine.
    let thread: OpaquePointer
    /// Its registry slot (keeps the coroutine alive across awaits).
    let slot: Int32
    /// Set from any thread to stop the run at its next hook or resume.
    let cancelFlag: LuaCancelFlag
    /// The budget of the whole run.
    let budget: LuaRunBudget
    /// What the run has used of its budget.
    var usage = LuaRunUsage()
    /// How many arguments wait on the coroutine's stack before the first resume.
    let argumentCount: Int32
    /// The work a host function asked the owner to await (set by the dispatcher).
    var pending: LuaAsyncOperation?
    /// Whether the coroutine has been released.
    var isFinished = false
    /// What the run's owner attached for host functions to find (``LuaCallFrame/runContext``).
    let context: (any Sendable)?
    /// How the run's results are named and bounded when they are copied into Swift.
    let results: LuaValueBound?
    /// What the run's allocations are charged to: its share of the state's memory
    /// (``LuaRunBudget/memory``). Retired when the run is released; the C side frees it once the
    /// blocks it owns are freed.
    let account: UnsafeMutablePointer<tide_account>

    init(
        thread: OpaquePointer, slot: Int32, budget: LuaRunBudget, argumentCount: Int32, context: (any Sendable)?,
        results: LuaValueBound?, control: UnsafeMutablePointer<tide_control>
    ) {
        self.thread = thread
        self.context = context
        self.results = results
        self.slot = slot
        self.budget = budget
        self.argumentCount = argumentCount
        self.cancelFlag = LuaCancelFlag()
        guard let account = tide_account_new(control, budget.memory.map { max(1, $0) } ?? 0) else {
            fatalError("out of memory allocating a memory account")
        }
        self.account = account
    }

    deinit {
        if !isFinished { tide_account_abandon(account) }
    }
}

/// A flag that cancels a run from any thread.
///
/// `@unchecked Sendable`: the storage is a C11 `atomic_int` allocated by `tide_flag_new`, written
/// and read only with atomic operations (`tide_flag_set`, `tide_flag_get`), and freed in `deinit`,
/// after the last reference (the run or a cancellation handler) is gone.
final class LuaCancelFlag: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init() {
        guard let pointer = tide_flag_new() else { fatalError("out of memory allocating a cancel flag") }
        self.pointer = pointer
    }

    deinit { tide_flag_free(pointer) }

    /// Asks the run to stop; safe from any thread.
    func set() { tide_flag_set(pointer) }

    /// Whether the run was asked to stop.
    var isSet: Bool { tide_flag_get(pointer) != 0 }
}

/// What the owner gives a run when it resumes it.
enum LuaResumeInput {
    /// The first resume: the function and its arguments are already on the coroutine.
    case start
    /// The results of the awaited host work.
    case values([LuaValue])
    /// The host work failed: raise this at the call site, where the script can catch it.
    case error(any Error)
}

/// Where a run stands after one resume.
enum LuaRunStep {
    /// The function returned these results.
    case finished([LuaValue])
    /// A host function asked the owner to await this work, then resume.
    case waiting(LuaAsyncOperation)
    /// The run used up its slice and was paused: resume it after the other runs had a turn.
    case sliced
    /// The run failed and its coroutine was closed.
    case failed(LuaError)
}
