import Lua
import TideCore

/// What the host functions of one task attempt share: the engine's context and the task's state
/// as the script sees it. It travels as the run's context (``LuaCallFrame/runContext``).
///
/// `@unchecked Sendable`: the mutable fields are touched only by host functions, which run on the
/// plan's `LuaRuntime` actor during the attempt's run, and by the task body after that run has
/// returned (it awaits the run, so the two never overlap).
final class LuaTaskScope: @unchecked Sendable {
    /// The engine's side of the attempt.
    let context: any TaskContext
    /// `ctx.state` once the script has read or set it: `.table` for a table the script may change
    /// in place, any other data as it is; `nil` while untouched.
    var state: LuaValue?
    /// The state last handed to the engine and its size: the next one shares its unchanged fields.
    private var handed: (value: JSONValue, bytes: Int)?

    init(context: any TaskContext) {
        self.context = context
    }

    /// The task state as data, held in `ledger`, or `nil` if the script never touched it.
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` naming the key path of a value that is not data,
    ///   ``LuaError/Code/valueTooLarge`` past ``ExecutionLimits/maxStateBytes``,
    ///   ``LuaError/Code/memoryLimit`` past the memory budget.
    func stateData(in lua: LuaState, ledger: DataLedger) throws(LuaError) -> JSONValue? {
        let value: LuaValue
        switch state {
        case nil: return nil
        case .table(let table)?: value = try lua.value(of: table, bound: Self.stateBound(context.limits))
        case let other?: value = other
        }
        let (data, bytes) = try DataConversion.sized(value, path: "ctx.state")
        if bytes > context.limits.maxStateBytes {
            throw LuaError(
                .valueTooLarge,
                "ctx.state is larger than maxStateBytes (\(context.limits.maxStateBytes.byteCountText)): keep large "
                    + "data outside the execution (a file, a store) and keep a reference to it in the state")
        }
        // Fields that did not change are the very values handed before: a checkpoint that keeps
        // both versions keeps them once, and only what changed is counted again.
        let shared = DataConversion.share(data, with: handed?.value)
        try ledger.replaceState(
            of: context.taskId, bytes: bytes, added: shared.added ?? bytes, freed: shared.freed ?? handed?.bytes ?? 0,
            checkpoints: context.checkpointsTaken, in: lua)
        handed = (shared.value, bytes)
        return shared.value
    }

    /// How `ctx.state` is named and bounded when it is copied out of Lua.
    static func stateBound(_ limits: ExecutionLimits) -> LuaValueBound {
        LuaValueBound(name: "ctx.state", maxBytes: limits.maxStateBytes, limitName: "maxStateBytes")
    }
}
