import Lua
import TideCore

/// The data a plan's scripts made the engine keep, counted against their state's memory cap.
///
/// Every value copied out of Lua that the execution keeps — a task's state, a variable, a result,
/// the data of an event, the context of a message, a checkpoint's metadata — is held on the plan's
/// ``LuaState`` (``LuaState/hold(_:for:)``), so that the scripts' memory and what they made the
/// engine keep share the one ``ExecutionLimits/memory`` budget. A state or variable that replaces
/// an earlier one releases it, unless a checkpoint was taken since (the checkpoint keeps it).
///
/// `@unchecked Sendable`: confined to the plan's `LuaRuntime` actor — only host functions (whose
/// synchronous part runs there) and the `finishing` step of a task body's run touch it.
final class DataLedger: @unchecked Sendable {  // confined to the plan's LuaRuntime actor (see above)
    /// What one replaceable value (a task's state, a variable) holds, and when it was handed over.
    private struct Held {
        var bytes: Int
        var checkpoints: Int
    }

    private var states: [String: Held] = [:]
    private var variables: [String: Held] = [:]

    /// Holds the new state of task `taskId` (`bytes` in all), which shares all but `added` bytes
    /// with the state handed before it and no longer holds `freed` bytes of it.
    ///
    /// A checkpoint taken since the state before (`checkpoints`, the execution's count now, moved)
    /// keeps that state: only `added` is new. Otherwise the state before is let go: `added` comes,
    /// `freed` goes (never more than this task's state holds).
    ///
    /// - Throws: ``LuaError/Code/memoryLimit``, changing nothing, if the budget would be passed.
    func replaceState(of taskId: String, bytes: Int, added: Int, freed: Int, checkpoints: Int, in lua: LuaState)
        throws(LuaError)
    {
        guard let held = states[taskId] else {
            try lua.hold(bytes, for: "ctx.state")
            states[taskId] = Held(bytes: bytes, checkpoints: checkpoints)
            return
        }
        if held.checkpoints != checkpoints {
            try lua.hold(added, for: "ctx.state")
            states[taskId] = Held(bytes: added, checkpoints: checkpoints)
            return
        }
        let gone = min(freed, held.bytes)
        if added > gone {
            try lua.hold(added - gone, for: "ctx.state")
        } else {
            lua.releaseHeld(gone - added)
        }
        states[taskId] = Held(bytes: held.bytes - gone + added, checkpoints: checkpoints)
    }

    /// Holds `bytes` for the new value of variable `name`, as ``replaceState(of:bytes:checkpoints:in:)``.
    func replaceVariable(_ name: String, bytes: Int, checkpoints: Int, in lua: LuaState) throws(LuaError) {
        try replace(&variables[name], bytes: bytes, checkpoints: checkpoints, what: "ctx.vars.\(name)", in: lua)
    }

    /// Holds `bytes` for data the execution keeps for good (a result, event data, a message context).
    func keep(_ bytes: Int, for what: String, in lua: LuaState) throws(LuaError) {
        try lua.hold(bytes, for: what)
    }

    private func replace(_ slot: inout Held?, bytes: Int, checkpoints: Int, what: String, in lua: LuaState)
        throws(LuaError)
    {
        let freed = slot.map { $0.checkpoints == checkpoints ? $0.bytes : 0 } ?? 0
        if bytes > freed {
            try lua.hold(bytes - freed, for: what)
        } else {
            lua.releaseHeld(freed - bytes)
        }
        slot = Held(bytes: bytes, checkpoints: checkpoints)
    }
}
