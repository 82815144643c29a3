import Lua
import TideCore

/// The primitives behind `ctx` (state, results, vars, quality, progress) and `tide.actions` misses.
extension TideAPI {
    func noAction() -> LuaReference {
        let names = options.actions.names
        return lua.makeFunction(named: "tide.actions") { frame in
            let name = try frame.value(1).stringValue ?? frame.value(1).description
            let hint = closestMatch(to: name, among: names).map { " (did you mean '\($0)'?)" } ?? ""
            let known = names.isEmpty ? "no actions are registered" : "registered: \(names.joined(separator: ", "))"
            frame.push(string: "no Swift action '\(name)' is registered\(hint); \(known)")
            return 1
        }
    }

    func cachedState() -> LuaReference {
        lua.makeFunction(named: "ctx.state") { frame in
            let scope = try Self.scope(frame, "ctx.state")
            guard let state = scope.state else {
                frame.push(boolean: false)
                return 1
            }
            frame.push(boolean: true)
            try frame.push(state)
            return 2
        }
    }

    func loadState() -> LuaReference {
        lua.makeAsyncFunction(named: "ctx.state") { frame in
            let task = try Self.scope(frame, "ctx.state").context
            return {
                let state = await task.state()
                return [DataConversion.lua(state == .null ? .object([:]) : state)]
            }
        }
    }

    func adoptState() -> LuaReference {
        lua.makeFunction(named: "ctx.state") { frame in
            let scope = try Self.scope(frame, "ctx.state")
            if scope.state == nil {
                scope.state = try frame.reference(1).map { .table($0) } ?? frame.value(1)
            }
            try frame.push(scope.state ?? .nil)
            return 1
        }
    }

    func replaceState() -> LuaReference {
        lua.makeFunction(named: "ctx.state") { frame in
            let scope = try Self.scope(frame, "ctx.state")
            if let table = frame.reference(1), table.typeName == "table" {
                scope.state = .table(table)
            } else {
                let value = try frame.value(1)
                _ = try DataConversion.json(value, path: "ctx.state")
                scope.state = value
            }
            return 0
        }
    }

    func results() -> LuaReference {
        lua.makeFunction(named: "ctx.results") { frame in
            let scope = try Self.scope(frame, "ctx.results")
            try frame.push(DataConversion.lua(scope.context.upstreamResults))
            return 1
        }
    }

    func executionId() -> LuaReference {
        lua.makeFunction(named: "ctx.executionId") { frame in
            frame.push(string: try Self.scope(frame, "ctx.executionId").context.executionId)
            return 1
        }
    }

    func attemptId() -> LuaReference {
        lua.makeFunction(named: "ctx.attemptId") { frame in
            frame.push(string: try Self.scope(frame, "ctx.attemptId").context.attemptId)
            return 1
        }
    }

    func getVariable() -> LuaReference {
        lua.makeAsyncFunction(named: "ctx.vars") { frame in
            let name = try Self.variableName(frame)
            let task = try Self.scope(frame, "ctx.vars").context
            return { [DataConversion.lua(await task.variable(name) ?? .null)] }
        }
    }

    func setVariable() -> LuaReference {
        lua.makeAsyncFunction(named: "ctx.vars") { [self] frame in
            let name = try Self.variableName(frame)
            let task = try Self.scope(frame, "ctx.vars").context
            let path = "ctx.vars" + (name.isLuaName ? ".\(name)" : "[\"\(name)\"]")
            let limit = task.limits.maxStateBytes
            let bound = LuaValueBound(name: path, maxBytes: limit, limitName: "maxStateBytes")
            let (value, bytes) = try DataConversion.sized(frame.value(2, bound: bound), path: path)
            try ledger.replaceVariable(name, bytes: bytes, checkpoints: task.checkpointsTaken, in: lua)
            return {
                await task.setVariable(name, value)
                return []
            }
        }
    }

    static func variableName(_ frame: LuaCallFrame) throws(LuaError) -> String {
        guard case .string(let name) = try frame.value(1) else {
            throw LuaError(.scriptError, "ctx.vars: variable names are strings, got a \(frame.typeName(1))")
        }
        return name.description
    }

    func quality() -> LuaReference {
        lua.makeAsyncFunction(named: "ctx.quality") { frame in
            let value = try frame.number(1)
            guard value.isFinite, (0...1).contains(value) else {
                throw frame.argumentError(1, "a quality from 0 to 1 expected, got \(value)")
            }
            let task = try Self.scope(frame, "ctx.quality").context
            return {
                await task.reportQuality(value)
                return []
            }
        }
    }

    func progress() -> LuaReference {
        lua.makeAsyncFunction(named: "ctx.progress") { frame in
            let phase = try frame.string(1)
            let task = try Self.scope(frame, "ctx.progress").context
            return {
                await task.reportPhase(phase)
                return []
            }
        }
    }

    /// The calling task's scope, or an error saying the function works only inside a task.
    static func scope(_ frame: LuaCallFrame, _ name: String) throws(LuaError) -> LuaTaskScope {
        guard let scope = frame.runContext as? LuaTaskScope else {
            throw LuaError(
                .scriptError,
                "\(name) can only be used while a task runs (inside its run function), not while the plan is being read"
            )
        }
        return scope
    }
}
