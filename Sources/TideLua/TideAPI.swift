import Foundation
import Lua
import TideCore

/// Builds the host functions behind `tide.*` and `ctx` for one plan state.
///
/// Every function finds the task that calls it through the run's context (a ``LuaTaskScope``),
/// so one set of functions serves all tasks of the plan. Functions that wait (`tide.sleep`,
/// `tide.exec`, `tide.allocate`, anything that reaches the engine) suspend only the calling
/// task's coroutine.
struct TideAPI {
    /// The state the functions belong to. Unowned: the functions live inside it.
    unowned let lua: LuaState
    let options: LuaPlanOptions
    /// The data the plan's scripts made the engine keep, held against the memory budget.
    let ledger: DataLedger

    /// The primitives the Lua task runner is built on (`cachedstate`, `getvar`, …) and the `api`
    /// table it turns into `tide`.
    func hostTable() throws(LuaError) -> LuaValue {
        var host: [LuaValue: LuaValue] = [:]
        func add(_ name: String, _ function: LuaReference) { host[.string(LuaString(name))] = .function(function) }
        add("cachedstate", cachedState())
        add("loadstate", loadState())
        add("adoptstate", adoptState())
        add("replacestate", replaceState())
        add("results", results())
        add("getvar", getVariable())
        add("setvar", setVariable())
        add("executionid", executionId())
        add("attemptid", attemptId())
        add("quality", quality())
        add("progress", progress())
        add("noaction", noAction())
        host["api"] = api()
        return .map(host)
    }

    // MARK: - The tide table

    private func api() -> LuaValue {
        var logs: [LuaValue: LuaValue] = [:]
        for level in MessageLevel.allCases {
            logs[.string(LuaString(level.luaName))] = .function(log(level))
        }
        var actions: [LuaValue: LuaValue] = [:]
        for name in options.actions.names {
            if let body = options.actions.actions[name] {
                actions[.string(LuaString(name))] = .function(action(name, body))
            }
        }
        return [
            "log": .map(logs),
            "emit": .function(emit()),
            "checkpoint": .function(checkpoint()),
            "allocate": .function(allocate()),
            "release": .function(release()),
            "sleep": .function(sleep()),
            "exec": .function(exec()),
            "actions": .map(actions),
        ]
    }

    /// `print(…)` for plan scripts: the arguments, as `tostring` would show them, logged at INFO.
    func print() -> LuaReference {
        let sink = options.log
        return lua.makeAsyncFunction(named: "print") { frame in
            var parts: [String] = []
            for position in 1...max(frame.argumentCount, 1) where position <= frame.argumentCount {
                parts.append(try Self.display(frame, position))
            }
            let text = parts.joined(separator: "\t")
            if let scope = frame.runContext as? LuaTaskScope {
                let context = scope.context
                return {
                    try await engineCall { try await context.log(.info, text, context: nil) }
                    return []
                }
            }
            sink?(.info, text, frame.callerLocation().map { SourceLocation(file: $0.chunk, line: $0.line) })
            return { [] }
        }
    }

    /// Argument `position` as `print` shows it; a table, function or coroutine by its type only
    /// (it is not copied).
    private static func display(_ frame: LuaCallFrame, _ position: Int) throws(LuaError) -> String {
        switch frame.typeName(position) {
        case "string": try frame.string(position)
        case "nil", "boolean", "number": try frame.value(position).description
        case let other: other
        }
    }

    /// The data of argument `position` (an event's data, a message's context), within
    /// ``ExecutionLimits/maxEventDataBytes`` and held for good.
    private func eventData(_ frame: LuaCallFrame, _ position: Int, name: String, limits: ExecutionLimits)
        throws(LuaError) -> JSONValue
    {
        let bound = LuaValueBound(name: name, maxBytes: limits.maxEventDataBytes, limitName: "maxEventDataBytes")
        let (data, bytes) = try DataConversion.sized(frame.value(position, bound: bound), path: name)
        try ledger.keep(bytes, for: name, in: lua)
        return data
    }

    private func log(_ level: MessageLevel) -> LuaReference {
        let sink = options.log
        let name = "tide.log.\(level.luaName)"
        return lua.makeAsyncFunction(named: name) { [self] frame in
            let message: String
            switch frame.typeName(1) {
            case "string": message = try frame.string(1)
            case "number": message = try frame.value(1).description
            default: throw frame.argumentError(1, "string expected, got \(frame.typeName(1))")
            }
            if let scope = frame.runContext as? LuaTaskScope {
                let task = scope.context
                var context: [String: JSONValue] = [:]
                if frame.argumentCount >= 2 {
                    context = try Self.fields(eventData(frame, 2, name: "context", limits: task.limits), frame, 2)
                }
                let fields = context
                return {
                    try await engineCall { try await task.log(level, message, context: fields.isEmpty ? nil : fields) }
                    return []
                }
            }
            if frame.argumentCount >= 2 { _ = try DataConversion.object(frame.value(2), path: "context") }
            sink?(level, message, frame.callerLocation().map { SourceLocation(file: $0.chunk, line: $0.line) })
            return { [] }
        }
    }

    /// The named fields of a table argument converted to data (`nil` and `{}` give none).
    private static func fields(_ data: JSONValue, _ frame: LuaCallFrame, _ position: Int) throws(LuaError)
        -> [String: JSONValue]
    {
        switch data {
        case .null: return [:]
        case .object(let fields): return fields
        case .array(let elements) where elements.isEmpty: return [:]
        default:
            throw frame.argumentError(position, "a table with named fields expected, got \(frame.typeName(position))")
        }
    }

    private func emit() -> LuaReference {
        lua.makeAsyncFunction(named: "tide.emit") { [self] frame in
            let description = try frame.string(1)
            let task = try Self.scope(frame, "tide.emit").context
            let data = frame.argumentCount >= 2 ? try eventData(frame, 2, name: "data", limits: task.limits) : nil
            return {
                try await engineCall { try await task.emit(description, data: data == .null ? nil : data) }
                return []
            }
        }
    }

    private func checkpoint() -> LuaReference {
        lua.makeAsyncFunction(named: "tide.checkpoint") { [self] frame in
            let scope = try Self.scope(frame, "tide.checkpoint")
            let metadata = try Self.fields(
                eventData(frame, 1, name: "metadata", limits: scope.context.limits), frame, 1)
            let state = try scope.stateData(in: lua, ledger: ledger)  // the checkpoint holds the state as it is now
            let task = scope.context
            return {
                if let state { await task.setState(state) }
                return [.string(LuaString(try await engineCall { try await task.checkpoint(metadata: metadata) }))]
            }
        }
    }

    private func allocate() -> LuaReference {
        lua.makeAsyncFunction(named: "tide.allocate") { [self] frame in
            let argument = try frame.value(1)
            let list: [LuaValue]
            switch argument {
            case .array(let elements): list = elements
            case .map(let fields) where fields["type"] != nil: list = [argument]
            default:
                throw frame.argumentError(
                    1, "a requirement { type = …, amount = … } or a list of them expected, got \(frame.typeName(1))")
            }
            var requirements: [ResourceRequirement] = []
            for (offset, entry) in list.enumerated() {
                switch PlanReader.requirement(entry, what: "requirement #\(offset + 1)") {
                case .success(let requirement): requirements.append(requirement)
                case .failure(let problems):
                    throw frame.argumentError(1, problems.messages.joined(separator: "; "))
                }
            }
            let task = try Self.scope(frame, "tide.allocate").context
            let wanted = requirements
            return try savingState(frame) {
                let granted = try await engineCall { try await task.allocate(wanted) }
                return [.array(granted.map(Self.lua))]
            }
        }
    }

    private static func lua(_ resource: Resource) -> LuaValue {
        var fields: [LuaValue: LuaValue] = [
            "id": .string(LuaString(resource.id)),
            "type": .string(LuaString(resource.type)),
            "amount": .number(resource.amount),
            "attributes": DataConversion.lua(resource.attributes),
        ]
        if let taskId = resource.taskId { fields["taskId"] = .string(LuaString(taskId)) }
        return .map(fields)
    }

    private func release() -> LuaReference {
        lua.makeAsyncFunction(named: "tide.release") { frame in
            var ids: [String] = []
            func add(_ value: LuaValue) throws(LuaError) {
                if let id = value.stringValue ?? value["id"]?.stringValue {
                    ids.append(id)
                } else {
                    throw frame.argumentError(1, "resource ids or resources from tide.allocate expected, got \(value)")
                }
            }
            let argument = try frame.value(1)
            if case .array(let list) = argument {
                for entry in list { try add(entry) }
            } else {
                try add(argument)
            }
            let task = try Self.scope(frame, "tide.release").context
            let held = ids
            return {
                try await engineCall { try await task.release(held) }
                return []
            }
        }
    }

    /// Wraps the work of a call that may wait long: the task's `ctx.state` is saved first, so a
    /// checkpoint taken while the task waits (an automatic one) holds the state as it is now.
    func savingState(_ frame: LuaCallFrame, _ work: @escaping LuaAsyncOperation) throws -> LuaAsyncOperation {
        guard let scope = frame.runContext as? LuaTaskScope, let state = try scope.stateData(in: lua, ledger: ledger)
        else {
            return work
        }
        let task = scope.context
        return {
            await task.setState(state)
            return try await work()
        }
    }

    private func sleep() -> LuaReference {
        let clock = options.clock
        return lua.makeAsyncFunction(named: "tide.sleep") { [self] frame in
            let duration: Duration
            switch DurationText.parse(try frame.value(1)) {
            case .success(let parsed): duration = parsed
            case .failure(let error): throw frame.argumentError(1, error.description)
            }
            let task = (frame.runContext as? LuaTaskScope)?.context
            return try savingState(frame) {
                try await clock.sleep(for: duration)
                try await task?.waitWhilePaused()
                return []
            }
        }
    }

    private func action(_ name: String, _ body: TideActions.Body) -> LuaReference {
        let qualified = "tide.actions.\(name)"
        func call(_ frame: LuaCallFrame) throws(LuaError) -> TideActions.Call {
            var arguments: [JSONValue] = []
            for position in 1...max(frame.argumentCount, 1) where position <= frame.argumentCount {
                arguments.append(
                    try DataConversion.json(frame.value(position), path: "argument #\(position) to \(qualified)"))
            }
            let task = (frame.runContext as? LuaTaskScope)?.context
            return TideActions.Call(arguments: arguments, taskId: task?.taskId, executionId: task?.executionId)
        }
        switch body {
        case .sync(let run):
            return lua.makeFunction(named: qualified) { frame in
                let call = try call(frame)
                do {
                    try frame.push(DataConversion.lua(try run(call)))
                    return 1
                } catch {
                    throw Self.actionError(error, qualified)
                }
            }
        case .async(let run):
            return lua.makeAsyncFunction(named: qualified) { frame in
                let call = try call(frame)
                return {
                    do {
                        return [DataConversion.lua(try await run(call))]
                    } catch {
                        throw Self.actionError(error, qualified)
                    }
                }
            }
        }
    }

    private static func actionError(_ error: any Error, _ name: String) -> LuaError {
        switch error {
        case let error as LuaError: return error
        case let error as ExecutionError: return LuaError(executionError: error)
        case let error as any ExecutionErrorConvertible: return LuaError(executionError: error.executionError)
        case is CancellationError: return LuaError(.cancelled, "\(name) was cancelled")
        default: return LuaError("ACTION_ERROR", "\(name) failed: \(error)")
        }
    }

}

/// Runs engine work for a script, turning the engine's errors into Lua errors with the same code,
/// so scripts can `pcall` them and read `err.code`.
func engineCall<T>(_ work: () async throws -> T) async throws -> T {
    do {
        return try await work()
    } catch let error as ExecutionError {
        throw LuaError(executionError: error)
    } catch let error as any ExecutionErrorConvertible {
        throw LuaError(executionError: error.executionError)
    }
}

extension LuaError {
    /// The Lua form of an engine error: same code, message, recoverability and context.
    init(executionError error: ExecutionError) {
        self.init(
            LuaError.Code(rawValue: error.code), error.message, recoverable: error.recoverable,
            context: error.context.map(DataConversion.lua))
        // The engine fails an attempt past a quota whatever its body does; so does the run, at once.
        endsRun = error.code == LuaError.Code.quotaExceeded.rawValue
    }
}

extension MessageLevel {
    /// The name of the `tide.log` function for the level.
    var luaName: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }
}
