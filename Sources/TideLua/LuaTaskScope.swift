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

    init(context: any TaskContext) {
        self.context = context
    }

    /// The task state as data, or `nil` if the script never touched it.
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` naming the key path of a value that is not data.
    func stateData(in lua: LuaState) throws(LuaError) -> JSONValue? {
        switch state {
        case nil: return nil
        case .table(let table)?: return try DataConversion.json(try lua.value(of: table), path: "ctx.state")
        case let value?: return try DataConversion.json(value, path: "ctx.state")
        }
    }
}
