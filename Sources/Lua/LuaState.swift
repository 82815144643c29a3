import CLua

/// The registry pseudo-index (`LUA_REGISTRYINDEX`).
let registryIndex: Int32 = tide_registryindex()

/// One Lua 5.4 state: a heap, a registry and the threads (coroutines) that run on it.
///
/// A `LuaState` is not thread safe and not `Sendable`: it belongs to exactly one owner, normally
/// a ``LuaRuntime`` actor, which reaches it through ``LuaRuntime/withState(_:)`` and never lets it
/// escape (DESIGN.md rule 2).
///
/// Everything a script can reach is decided here. The state opens only the safe libraries, removes
/// `string.dump` from the real string table, locks the string metatable, caps the inputs of the C
/// library functions a count hook cannot interrupt, and enforces ``LuaLimits``. Scripts run in
/// sandboxes (``makeSandbox(searchPaths:globals:)``), each script with its own `_ENV`.
///
/// No Lua error ever unwinds through a Swift frame: Swift code calls only Lua API that cannot
/// raise, host functions return a status to a C trampoline that raises for them, and Lua code
/// runs under `lua_pcall` or `lua_resume` from small C helpers.
///
/// ```swift
/// let lua = try LuaState()
/// let sandbox = try lua.makeSandbox()
/// let chunk = try lua.load("return 6 * 7", name: .label("answer"), in: sandbox)
/// try lua.call(chunk)   // [.integer(42)]
/// ```
///
/// ## Topics
/// ### Creating a state
/// - ``init(limits:)``
/// - ``limits``
/// ### Loading and calling
/// - ``load(_:name:in:)``
/// - ``loadFile(atPath:in:)``
/// - ``call(_:_:budget:)``
/// ### Host functions
/// - ``makeFunction(named:_:)``
/// - ``makeAsyncFunction(named:_:)``
/// - ``makeSleepFunction(clock:)``
/// ### Inspecting memory
/// - ``memoryInUse``
/// - ``peakMemory``
/// - ``heldMemory``
/// - ``hold(_:for:)``
/// - ``releaseHeld(_:)``
public final class LuaState {
    /// The main thread of the state.
    let L: OpaquePointer
    /// The C control block: memory accounting, run budgets, hook state.
    let control: UnsafeMutablePointer<tide_control>
    /// The limits in force: those the state was created with, or the last ``setLimits(_:)``.
    public internal(set) var limits: LuaLimits
    /// Registry slots released by ``LuaReference``s, freed at the next entry point.
    let references = LuaReferenceRegistry()
    /// The run whose coroutine is executing right now, if any (set around `lua_resume`).
    var activeRun: LuaRun?
    /// The registry slot of the sandbox prelude's exports (`newenv`, `newsandbox`).
    var preludeSlot: Int32 = 0
    /// The registry slot of the weak set of run coroutines, which scripts may not resume or close.
    var rootsSlot: Int32 = 0

    /// Creates a state with the safe libraries open and the limits in force.
    ///
    /// - Parameter limits: Memory cap, run budgets and input caps.
    /// - Throws: ``LuaError/Code/internalError`` if the state cannot be created.
    public init(limits: LuaLimits = .default) throws(LuaError) {
        _ = hostCallbacksInstalled
        guard let L = tide_newstate() else {
            throw LuaError(.internalError, "could not create a Lua state: out of memory")
        }
        self.L = L
        self.control = tide_getcontrol(L)
        self.limits = limits
        control.pointee.hook_interval = Int32(clamping: limits.hookInterval)
        control.pointee.max_pattern_subject = limits.maxPatternSubject
        control.pointee.max_pattern_cost = limits.maxPatternCost
        control.pointee.max_string_result = limits.maxStringResult
        control.pointee.max_table_span = lua_Integer(limits.maxTableSpan)
        control.pointee.host = Unmanaged.passUnretained(self).toOpaque()
        guard tide_setup(L) == LUA_OK else {
            throw LuaError(.internalError, "could not open the Lua libraries: out of memory")
        }
        try loadPrelude()
        // The cap applies from here on: setup and prelude are the host's, not a script's.
        control.pointee.mem_limit = limits.memory ?? 0
    }

    deinit {
        tide_closestate(L)
    }

    /// Bytes the state has allocated right now (without what the host holds for it, ``heldMemory``).
    public var memoryInUse: Int { control.pointee.mem_used }

    /// The most bytes the state has had allocated at once.
    public var peakMemory: Int { control.pointee.mem_peak }

    /// Frees registry slots whose ``LuaReference`` has been dropped. Called at every entry point.
    func collectReleasedReferences() {
        for slot in references.takeReleased() {
            luaL_unref(L, registryIndex, slot)
        }
    }

    /// Pops the value on top of thread `T` into a new registry reference.
    func popReference(on T: OpaquePointer) -> LuaReference {
        let typeName = String(cString: lua_typename(T, lua_type(T, -1)))
        let slot = luaL_ref(T, registryIndex)
        return LuaReference(slot: slot, registry: references, typeName: typeName)
    }

    /// Pushes the value a reference holds onto thread `T`.
    func push(_ reference: LuaReference, on T: OpaquePointer) throws(LuaError) {
        guard reference.registry === references else {
            throw LuaError(.invalidValue, "a LuaReference was used with a state other than the one that made it")
        }
        lua_rawgeti(T, registryIndex, lua_Integer(reference.slot))
    }

    /// The state that owns the thread `T`.
    static func owner(of T: OpaquePointer) -> LuaState {
        Unmanaged<LuaState>.fromOpaque(tide_getcontrol(T).pointee.host).takeUnretainedValue()
    }
}
