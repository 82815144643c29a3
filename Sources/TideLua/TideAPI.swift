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
            let text = try frame.arguments().map(Self.display).joined(separator: "\t")
            if let scope = frame.runContext as? LuaTaskScope {
                let context = scope.context
                return {
                    await context.log(.info, text, context: nil)
                    return []
                }
            }
            sink?(.info, text, frame.callerLocation().map { SourceLocation(file: $0.chunk, line: $0.line) })
            return { [] }
        }
    }

    private static func display(_ value: LuaValue) -> String {
        switch value {
        case .string(let s): s.description
        case .nil, .boolean, .integer, .number: value.description
        default: value.typeName
        }
    }

    private func log(_ level: MessageLevel) -> LuaReference {
        let sink = options.log
        let name = "tide.log.\(level.luaName)"
        return lua.makeAsyncFunction(named: name) { frame in
            let message: String
            switch try frame.value(1) {
            case .string(let text): message = text.description
            case .integer, .number: message = try frame.value(1).description
            default: throw frame.argumentError(1, "string expected, got \(frame.typeName(1))")
            }
            let context = try frame.argumentCount >= 2 ? DataConversion.object(frame.value(2), path: "context") : [:]
            if let scope = frame.runContext as? LuaTaskScope {
                let task = scope.context
                return {
                    await task.log(level, message, context: context.isEmpty ? nil : context)
                    return []
                }
            }
            sink?(level, message, frame.callerLocation().map { SourceLocation(file: $0.chunk, line: $0.line) })
            return { [] }
        }
    }

    private func emit() -> LuaReference {
        lua.makeAsyncFunction(named: "tide.emit") { frame in
            let description = try frame.string(1)
            let data = frame.argumentCount >= 2 ? try DataConversion.json(frame.value(2), path: "data") : nil
            let task = try Self.scope(frame, "tide.emit").context
            return {
                await task.emit(description, data: data == .null ? nil : data)
                return []
            }
        }
    }

    private func checkpoint() -> LuaReference {
        lua.makeAsyncFunction(named: "tide.checkpoint") { [lua] frame in
            let metadata = try DataConversion.object(frame.value(1), path: "metadata")
            let scope = try Self.scope(frame, "tide.checkpoint")
            let state = try scope.stateData(in: lua)  // the checkpoint holds the state as it is now
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
    private func savingState(_ frame: LuaCallFrame, _ work: @escaping LuaAsyncOperation) throws -> LuaAsyncOperation {
        guard let scope = frame.runContext as? LuaTaskScope, let state = try scope.stateData(in: lua) else {
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

    private func exec() -> LuaReference {
        let runner = options.processes
        return lua.makeAsyncFunction(named: "tide.exec") { [self] frame in
            let (request, check) = try Self.processRequest(frame)
            let commandLine = ([request.command] + request.arguments).joined(separator: " ")
            return try savingState(frame) {
                let outcome: ProcessOutcome
                do {
                    outcome = try await runner.run(request)
                } catch let error as ProcessError {
                    throw LuaError(
                        LuaError.Code(rawValue: error.code), error.message, recoverable: false,
                        context: ["command": .string(LuaString(commandLine))])
                }
                let result = Self.lua(outcome)
                if outcome.timedOut {
                    throw LuaError(
                        "PROCESS_TIMEOUT",
                        "'\(commandLine)' did not finish within \(request.timeout.map { "\($0)" } ?? "?") and was killed",
                        recoverable: true, context: result)
                }
                if check && outcome.code != 0 {
                    let tail = String(decoding: outcome.stderr.suffix(500), as: UTF8.self)
                    throw LuaError(
                        "PROCESS_FAILED",
                        "'\(commandLine)' exited with code \(outcome.code)" + (tail.isEmpty ? "" : ": \(tail)"),
                        recoverable: false, context: result)
                }
                return [result]
            }
        }
    }

    private static func lua(_ outcome: ProcessOutcome) -> LuaValue {
        var fields: [LuaValue: LuaValue] = [
            "code": .integer(outcome.code),
            "ok": .boolean(outcome.code == 0),
            "stdout": .string(LuaString(bytes: outcome.stdout)),
            "stderr": .string(LuaString(bytes: outcome.stderr)),
            "truncated": .boolean(outcome.truncated),
            "timedOut": .boolean(outcome.timedOut),
        ]
        if let signal = outcome.signal { fields["signal"] = .integer(signal) }
        return .map(fields)
    }

    /// Reads `tide.exec { "cmd", "arg", …, timeout = "30s", stdin = "…", env = {…}, cwd = "…", check = true }`.
    private static func processRequest(_ frame: LuaCallFrame) throws(LuaError) -> (ProcessRequest, Bool) {
        let usage =
            #"{ "command", "arg", …, timeout = "30s", stdin = "…", env = { NAME = "value" }, cwd = "dir", check = true }"#
        let spec = try frame.value(1)
        guard let fields = spec.mapValue else {
            throw frame.argumentError(1, "a table \(usage) expected, got \(frame.typeName(1))")
        }
        var argv: [String] = []
        var index = 1
        while let word = fields[.integer(index)] {
            switch word {
            case .string(let text): argv.append(text.description)
            case .integer, .number: argv.append(word.description)
            default:
                throw frame.argumentError(
                    1, "argument \(index) is a \(word.typeName); the command and its arguments must be strings")
            }
            index += 1
        }
        guard let command = argv.first, !command.isEmpty else {
            throw frame.argumentError(1, "no command: write \(usage)")
        }
        let known: Set<String> = ["timeout", "stdin", "env", "cwd", "check"]
        for key in fields.keys {
            if case .integer(let position) = key, position >= 1, position < index { continue }
            guard let name = key.stringValue, known.contains(name) else {
                throw frame.argumentError(1, "unknown field \(key): write \(usage)")
            }
        }
        var request = ProcessRequest(command: command, arguments: Array(argv.dropFirst()))
        if let timeout = fields["timeout"] {
            switch DurationText.parse(timeout) {
            case .success(let duration): request.timeout = duration
            case .failure(let error): throw frame.argumentError(1, "timeout: \(error)")
            }
        }
        switch fields["stdin"] {
        case nil: break
        case .string(let text)?: request.stdin = text.bytes
        case let other?: throw frame.argumentError(1, "stdin must be a string, got a \(other.typeName)")
        }
        if let env = fields["env"] {
            guard let entries = env.mapValue else {
                throw frame.argumentError(1, "env must be a table { NAME = \"value\" }")
            }
            for (key, value) in entries {
                guard let name = key.stringValue, !name.isEmpty, !name.contains("=") else {
                    throw frame.argumentError(1, "env has a bad variable name \(key)")
                }
                switch value {
                case .string(let text): request.environment[name] = text.description
                case .integer, .number: request.environment[name] = value.description
                case .boolean(false): request.environment[name] = .some(nil)
                default: throw frame.argumentError(1, "env.\(name) must be a string (or false to unset it)")
                }
            }
        }
        switch fields["cwd"] {
        case nil: break
        case .string(let text)?: request.workingDirectory = text.description
        case let other?: throw frame.argumentError(1, "cwd must be a string, got a \(other.typeName)")
        }
        return (request, fields["check"]?.isTruthy ?? false)
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

    // MARK: - ctx primitives

    private func noAction() -> LuaReference {
        let names = options.actions.names
        return lua.makeFunction(named: "tide.actions") { frame in
            let name = try frame.value(1).stringValue ?? frame.value(1).description
            let hint = closestMatch(to: name, among: names).map { " (did you mean '\($0)'?)" } ?? ""
            let known = names.isEmpty ? "no actions are registered" : "registered: \(names.joined(separator: ", "))"
            frame.push(string: "no Swift action '\(name)' is registered\(hint); \(known)")
            return 1
        }
    }

    private func cachedState() -> LuaReference {
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

    private func loadState() -> LuaReference {
        lua.makeAsyncFunction(named: "ctx.state") { frame in
            let task = try Self.scope(frame, "ctx.state").context
            return {
                let state = await task.state()
                return [DataConversion.lua(state == .null ? .object([:]) : state)]
            }
        }
    }

    private func adoptState() -> LuaReference {
        lua.makeFunction(named: "ctx.state") { frame in
            let scope = try Self.scope(frame, "ctx.state")
            if scope.state == nil {
                scope.state = try frame.reference(1).map { .table($0) } ?? frame.value(1)
            }
            try frame.push(scope.state ?? .nil)
            return 1
        }
    }

    private func replaceState() -> LuaReference {
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

    private func results() -> LuaReference {
        lua.makeFunction(named: "ctx.results") { frame in
            let scope = try Self.scope(frame, "ctx.results")
            try frame.push(DataConversion.lua(scope.context.upstreamResults))
            return 1
        }
    }

    private func executionId() -> LuaReference {
        lua.makeFunction(named: "ctx.executionId") { frame in
            frame.push(string: try Self.scope(frame, "ctx.executionId").context.executionId)
            return 1
        }
    }

    private func getVariable() -> LuaReference {
        lua.makeAsyncFunction(named: "ctx.vars") { frame in
            let name = try Self.variableName(frame)
            let task = try Self.scope(frame, "ctx.vars").context
            return { [DataConversion.lua(await task.variable(name) ?? .null)] }
        }
    }

    private func setVariable() -> LuaReference {
        lua.makeAsyncFunction(named: "ctx.vars") { frame in
            let name = try Self.variableName(frame)
            let value = try DataConversion.json(frame.value(2), path: "ctx.vars.\(name)")
            let task = try Self.scope(frame, "ctx.vars").context
            return {
                await task.setVariable(name, value)
                return []
            }
        }
    }

    private static func variableName(_ frame: LuaCallFrame) throws(LuaError) -> String {
        guard case .string(let name) = try frame.value(1) else {
            throw LuaError(.scriptError, "ctx.vars: variable names are strings, got a \(frame.typeName(1))")
        }
        return name.description
    }

    private func quality() -> LuaReference {
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

    private func progress() -> LuaReference {
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
    private static func scope(_ frame: LuaCallFrame, _ name: String) throws(LuaError) -> LuaTaskScope {
        guard let scope = frame.runContext as? LuaTaskScope else {
            throw LuaError(
                .scriptError,
                "\(name) can only be used while a task runs (inside its run function), not while the plan is being read"
            )
        }
        return scope
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
