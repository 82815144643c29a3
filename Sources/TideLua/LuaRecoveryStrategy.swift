import Foundation
import Lua
public import TideCore

/// A recovery strategy written in Lua: one loaded version of one file.
///
/// The file returns the spec's shape:
///
/// ```lua
/// return {
///   id = "retry-network", name = "Retry network errors", description = "…",
///   applicableErrors = { "NETWORK_TIMEOUT", "CONNECTION_REFUSED" },
///   execute = function(context)
///     if context.attempt >= 5 then return { success = false, action = "ABORT", message = "gave up" } end
///     tide.sleep(0.1 * 2 ^ context.attempt)           -- a backoff that blocks nothing
///     return { success = true, action = "RETRY", message = "retrying" }
///   end,
/// }
/// ```
///
/// `execute(context)` gets the spec's `RecoveryContext` as a table (`executionId`, `attempt`,
/// `error`, `state`, `plan`, `resources`, and `task`: the failed task's `id`, `priority`,
/// `optional`, `hasFallback`, `dependencies`) and returns the spec's `RecoveryResult` (`success`,
/// `action`, optional `newState` with `variables` and `taskStates`, `message`) — or `nil` to let
/// the next applicable strategy decide. Each loaded version keeps its own function: a call in
/// flight finishes on the version it started with, whatever is loaded meanwhile.
public struct LuaRecoveryStrategy: RecoveryStrategy {
    /// Strategy identifier (the file's `id`, or its name without `.lua`).
    public let id: String
    /// Human-readable name.
    public let name: String
    /// What the strategy does.
    public let description: String
    /// The error codes it handles (`"*"` for all).
    public let applicableErrors: [String]
    /// The version number of this load of the file, as text.
    public let version: String?
    /// The file it was loaded from.
    public let file: String
    /// The content hash of the source it was loaded from.
    public let hash: String
    let scripts: LuaScripts
    let function: LuaReference
    let place: String
    /// The Lua time and instructions each call may use (the file's `limits`, else the state's).
    let budget: LuaRunBudget

    /// Asks the Lua function.
    ///
    /// - Throws: ``RecoveryDeclined`` when it returns `nil`; ``LuaScriptFailure`` when it raises,
    ///   runs out of time, or returns something that is not a recovery result.
    public func execute(_ context: RecoveryContext) async throws -> RecoveryResult {
        let value: LuaValue
        do {
            value = try await scripts.call(
                function, Self.lua(context), executionId: context.executionId, budget: budget)
        } catch let error as LuaError {
            throw LuaScriptFailure("\(error) (in \(place))")
        }
        if value == .nil { throw RecoveryDeclined() }
        do {
            return try Self.result(from: value)
        } catch {
            throw LuaScriptFailure("\(place): execute returned \(error.message)")
        }
    }

    /// Compiles and checks a strategy file in a fresh environment of `scripts`.
    ///
    /// - Throws: ``LuaScriptFailure`` naming the file, the line and what is wrong.
    public static func load(source: String, file: String, version: Int, scripts: LuaScripts) async throws
        -> LuaRecoveryStrategy
    {
        let name = URL(fileURLWithPath: file).lastPathComponent
        let value: LuaValue
        do {
            (value, _) = try await scripts.evaluate(source, name: .script(name: name, version: version))
        } catch let error as LuaError {
            throw LuaScriptFailure("\(error)")
        }
        guard case .map = value else {
            throw LuaScriptFailure(
                "\(name)@\(version): the file returned \(value == .nil ? "nothing" : "a \(value.typeName)"); "
                    + "return { id = …, applicableErrors = { … }, execute = function(context) … end }")
        }
        var problems: [String] = []
        let known: Set<String> = ["id", "name", "description", "applicableErrors", "execute", "limits"]
        let (budget, limitProblems) = LimitsReader.scriptBudget(
            value["limits"], base: scripts.options.limits.budget, what: "a recovery strategy")
        problems += limitProblems
        for key in value.mapValue?.keys ?? [:].keys {
            if let field = key.stringValue, known.contains(field) { continue }
            let hint = key.stringValue.flatMap { closestMatch(to: $0, among: Array(known)) }
            problems.append("unknown field \(key)" + (hint.map { " (did you mean '\($0)'?)" } ?? ""))
        }
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let id = value["id"]?.stringValue ?? stem
        if let raw = value["id"], raw.stringValue?.isEmpty ?? true { problems.append("id must be a non-empty string") }
        var codes: [String] = []
        switch value["applicableErrors"] {
        case .array(let list)?:
            for entry in list {
                if let code = entry.stringValue, !code.isEmpty {
                    codes.append(code)
                } else {
                    problems.append("applicableErrors must list error codes (strings), but holds \(entry)")
                }
            }
        case .string(let single)?: codes = [single.description]
        case nil: problems.append(#"applicableErrors is missing: list the codes it handles, or { "*" } for all"#)
        case let other?: problems.append("applicableErrors must be a list of error codes, got a \(other.typeName)")
        }
        if codes.isEmpty && value["applicableErrors"] != nil && problems.isEmpty {
            problems.append("applicableErrors is empty: the strategy would never be asked")
        }
        guard case .function(let function)? = value["execute"] else {
            let got = value["execute"].map { "a \($0.typeName)" } ?? "nothing"
            problems.append("execute must be a function(context), got \(got)")
            throw LuaScriptFailure("\(name)@\(version): " + problems.joined(separator: "; "))
        }
        guard problems.isEmpty else {
            throw LuaScriptFailure("\(name)@\(version): " + problems.joined(separator: "; "))
        }
        let location = await scripts.definition(of: function)
        return LuaRecoveryStrategy(
            id: id, name: value["name"]?.stringValue ?? id, description: value["description"]?.stringValue ?? "",
            applicableErrors: codes, version: String(version), file: file,
            hash: contentHash(source), scripts: scripts, function: function,
            place: location.map { "\($0)" } ?? "\(name)@\(version)", budget: budget)
    }

    // MARK: - Conversions

    static func lua(_ context: RecoveryContext) -> LuaValue {
        let error = context.error
        var errorFields: [LuaValue: LuaValue] = [
            "code": .string(LuaString(error.code)), "message": .string(LuaString(error.message)),
            "recoverable": .boolean(error.recoverable),
            "timestamp": .number(error.timestamp.timeIntervalSince1970),
        ]
        if let taskId = error.taskId { errorFields["taskId"] = .string(LuaString(taskId)) }
        if let extra = error.context { errorFields["context"] = DataConversion.lua(extra) }
        var tasks: [LuaValue: LuaValue] = [:]
        var failedTask: LuaValue = .nil
        for task in context.plan.tasks {
            let entry: LuaValue = .map([
                "id": .string(LuaString(task.id)), "priority": .integer(task.priority),
                "optional": .boolean(task.optional), "hasFallback": .boolean(task.fallback != nil),
                "dependencies": .array(task.dependencies.map { .string(LuaString($0)) }),
            ])
            tasks[.string(LuaString(task.id))] = entry
            if task.id == error.taskId { failedTask = entry }
        }
        let state = context.state
        return .map([
            "executionId": .string(LuaString(context.executionId)),
            "attempt": .integer(context.attempt),
            "error": .map(errorFields),
            "task": failedTask,
            "state": [
                "variables": DataConversion.lua(state.variables),
                "taskStates": DataConversion.lua(state.taskStates),
                "completedTasks": .array(state.completedTasks.map { .string(LuaString($0)) }),
                "currentTaskId": state.currentTaskId.map { .string(LuaString($0)) } ?? .nil,
            ],
            "plan": [
                "id": .string(LuaString(context.plan.id)), "name": .string(LuaString(context.plan.name)),
                "taskCount": .integer(context.plan.tasks.count), "tasks": .map(tasks),
            ],
            "resources": .array(
                context.resources.map { resource in
                    [
                        "id": .string(LuaString(resource.id)), "type": .string(LuaString(resource.type)),
                        "amount": .number(resource.amount),
                    ]
                }),
        ])
    }

    /// Reads a `RecoveryResult` table.
    static func result(from value: LuaValue) throws(LuaError) -> RecoveryResult {
        guard case .map(let fields) = value else {
            throw LuaError(.invalidValue, "a \(value.typeName), not a table { success, action, message }")
        }
        let allowed: Set<String> = ["success", "action", "newState", "message"]
        for key in fields.keys where !(key.stringValue.map(allowed.contains) ?? false) {
            throw LuaError(
                .invalidValue, "a result with an unknown field \(key) (fields: success, action, newState, message)")
        }
        let actions = RecoveryAction.allCases.map(\.rawValue)
        guard let actionText = value["action"]?.stringValue else {
            throw LuaError(.invalidValue, "a result without an action: use one of \(actions.joined(separator: ", "))")
        }
        guard let action = RecoveryAction(rawValue: actionText.uppercased()) else {
            let hint = closestMatch(to: actionText.uppercased(), among: actions).map { " (did you mean \($0)?)" } ?? ""
            throw LuaError(
                .invalidValue,
                "the unknown action '\(actionText)'\(hint): use one of \(actions.joined(separator: ", "))")
        }
        var success = true
        if let flag = value["success"] {
            guard let bool = flag.boolValue else {
                throw LuaError(.invalidValue, "success = \(flag): it must be true or false")
            }
            success = bool
        }
        var message = ""
        if let text = value["message"] {
            guard case .string(let s) = text else {
                throw LuaError(.invalidValue, "message = \(text): it must be a string")
            }
            message = s.description
        }
        var newState: ExecutionState?
        if let stateValue = value["newState"] {
            guard case .map(let stateFields) = stateValue else {
                throw LuaError(.invalidValue, "newState = \(stateValue): it must be a table { variables, taskStates }")
            }
            for key in stateFields.keys where !["variables", "taskStates"].contains(key.stringValue ?? "") {
                throw LuaError(.invalidValue, "newState has an unknown field \(key) (fields: variables, taskStates)")
            }
            newState = ExecutionState(
                taskStates: try DataConversion.object(stateValue["taskStates"] ?? .nil, path: "newState.taskStates"),
                variables: try DataConversion.object(stateValue["variables"] ?? .nil, path: "newState.variables"))
        }
        return RecoveryResult(success: success, action: action, newState: newState, message: message)
    }
}

/// A Lua strategy or handler failed: to load, to run, or to answer sensibly. The description names
/// the file, its version, the line and what went wrong.
public struct LuaScriptFailure: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with its place.
    public var description: String

    init(_ description: String) { self.description = description }
}
