import Foundation
import Lua
public import TideCore

/// Alert handlers written in Lua, one per file of a folder, hot-swapped into a monitoring system.
///
/// A file returns:
///
/// ```lua
/// return {
///   id = "error-rate",
///   condition = { metric = "errorRate", operator = ">", threshold = 0.5, duration = "10s" },
///   handle = function(alert) tide.pause(alert.executionId) end,      -- when the alert fires
///   resolved = function(alert) tide.log.info("back to normal") end,  -- optional
/// }
/// ```
///
/// `operator` is `>`, `<`, `=`, `>=`, `<=` (or the spec's `gt`, `lt`, `eq`, `gte`, `lte`);
/// `duration` is how long the condition must hold (a duration string, or milliseconds as the spec
/// has it). A new or changed file is compiled and checked first (an unknown metric is an error);
/// a broken one leaves the previous version in force. A handler runs with its own time budget; one
/// that fails or loops is stopped and reported in the execution's log, and monitoring goes on.
public actor LuaAlertFolder {
    /// The folder.
    public nonisolated let path: String
    private let scripts: LuaScripts
    private let monitoring: DefaultMonitoringSystem
    private var folder: ScriptFolder
    private var inForce: [String: (id: String, version: Int, alertId: String, condition: AlertCondition)] = [:]

    /// Loads nothing yet: call ``reload()``.
    public init(path: String, scripts: LuaScripts, monitoring: DefaultMonitoringSystem) {
        self.path = path
        self.scripts = scripts
        self.monitoring = monitoring
        self.folder = ScriptFolder(path: path)
    }

    /// Loads what changed and puts it in force; returns what happened. A reload asked for while one
    /// runs is folded into it.
    public func reload() async -> [ScriptLoadReport] {
        guard folder.enter() else { return [] }
        var reports: [ScriptLoadReport] = []
        repeat { reports += await reloadOnce() } while folder.again()
        return reports
    }

    private func reloadOnce() async -> [ScriptLoadReport] {
        let changed: [(file: String, source: String)]
        let removed: [String]
        switch folder.changes() {
        case .found(let files, let gone): (changed, removed) = (files, gone)
        case .unreadable(let report): return [report]
        }
        var reports: [ScriptLoadReport] = []
        for file in removed {
            if let gone = inForce.removeValue(forKey: file) {
                await monitoring.removeAlert(gone.alertId)
                reports.append(ScriptLoadReport(file: file, kind: .removed(id: gone.id)))
            }
        }
        for (file, source) in changed {
            let version = folder.nextVersion(of: file)
            do {
                let handler = try await LuaAlertHandler.load(
                    source: source, file: file, version: version, scripts: scripts)
                let onFire: AlertCallback = { alert in await handler.handle(alert) }
                var onResolve: AlertCallback?
                if handler.resolved != nil {
                    onResolve = { @Sendable alert in await handler.resolve(alert) }
                }
                let alertId = try await monitoring.setAlert(handler.condition, onFire, onResolve: onResolve)
                if let previous = inForce[file] { await monitoring.removeAlert(previous.alertId) }
                inForce[file] = (handler.id, version, alertId, handler.condition)
                reports.append(folder.loaded(file, id: handler.id, version: version, hash: handler.hash))
            } catch {
                let name = URL(fileURLWithPath: file).lastPathComponent
                reports.append(
                    folder.rejected(file, error is LuaScriptFailure ? "\(error)" : "\(name)@\(version): \(error)"))
            }
        }
        return reports
    }

    /// Every file seen: the handler in force from it (id, version, condition) and its last error.
    public var status: [(file: String, id: String?, version: Int?, condition: AlertCondition?, lastError: String?)] {
        let errors = folder.errors
        return Set(inForce.keys).union(errors.keys).sorted().map { file in
            (file, inForce[file]?.id, inForce[file]?.version, inForce[file]?.condition, errors[file])
        }
    }
}

/// One loaded version of an alert handler file.
struct LuaAlertHandler: Sendable {
    let id: String
    let version: Int
    let hash: String
    let condition: AlertCondition
    let handleFunction: LuaReference
    let resolved: LuaReference?
    let scripts: LuaScripts
    let name: String
    /// The Lua time and instructions each call may use (the file's `limits`, else the state's).
    let budget: LuaRunBudget

    static let operators: [String: AlertCondition.Operator] = [
        ">": .gt, "<": .lt, "=": .eq, "==": .eq, ">=": .gte, "<=": .lte,
        "gt": .gt, "lt": .lt, "eq": .eq, "gte": .gte, "lte": .lte,
    ]

    static func load(source: String, file: String, version: Int, scripts: LuaScripts) async throws -> LuaAlertHandler {
        let name = URL(fileURLWithPath: file).lastPathComponent
        let place = "\(name)@\(version)"
        let value: LuaValue
        do {
            (value, _) = try await scripts.evaluate(source, name: .script(name: name, version: version))
        } catch let error as LuaError {
            throw LuaScriptFailure("\(error)")
        }
        guard case .map(let fields) = value else {
            throw LuaScriptFailure(
                "\(place): the file returned \(value == .nil ? "nothing" : "a \(value.typeName)"); return "
                    + "{ id = …, condition = { metric, operator, threshold, duration }, handle = function(alert) … end }"
            )
        }
        var problems: [String] = []
        let known = ["id", "condition", "handle", "resolved", "limits"]
        let (budget, limitProblems) = LimitsReader.scriptBudget(
            value["limits"], base: scripts.options.limits.budget, what: "an alert handler")
        problems += limitProblems
        for key in fields.keys where !(key.stringValue.map(known.contains) ?? false) {
            let hint = key.stringValue.flatMap { closestMatch(to: $0, among: known) }
            problems.append("unknown field \(key)" + (hint.map { " (did you mean '\($0)'?)" } ?? ""))
        }
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let id = value["id"]?.stringValue ?? stem
        var condition = AlertCondition(metric: "", operator: .gt, threshold: 0)
        if case .map? = value["condition"], let conditionValue = value["condition"] {
            if let metric = conditionValue["metric"]?.stringValue {
                condition.metric = metric
            } else {
                problems.append("condition.metric must name a metric (errorRate, cpu_usage, execution_duration, …)")
            }
            let op = conditionValue["operator"]?.stringValue ?? ""
            if let parsed = operators[op] {
                condition.operator = parsed
            } else {
                problems.append(
                    "condition.operator must be one of >, <, =, >=, <=, got \(conditionValue["operator"] ?? .nil)")
            }
            if let threshold = conditionValue["threshold"]?.doubleValue, threshold.isFinite {
                condition.threshold = threshold
            } else {
                problems.append("condition.threshold must be a number")
            }
            switch conditionValue["duration"] {
            case nil: break
            case .integer?, .number?: condition.duration = conditionValue["duration"]?.doubleValue
            case let other?:
                switch DurationText.parse(other) {
                case .success(let duration):
                    condition.duration = duration.milliseconds
                case .failure(let error): problems.append("condition.duration: \(error) (a number is milliseconds)")
                }
            }
        } else {
            problems.append(
                "condition must be a table { metric = …, operator = \">\", threshold = …, duration = \"30s\" }")
        }
        guard case .function(let handle)? = value["handle"] else {
            problems.append(
                "handle must be a function(alert), got \(value["handle"].map { "a \($0.typeName)" } ?? "nothing")")
            throw LuaScriptFailure("\(place): " + problems.joined(separator: "; "))
        }
        var resolved: LuaReference?
        switch value["resolved"] {
        case nil: break
        case .function(let function)?: resolved = function
        case let other?: problems.append("resolved must be a function(alert), got a \(other.typeName)")
        }
        guard problems.isEmpty else { throw LuaScriptFailure("\(place): " + problems.joined(separator: "; ")) }
        return LuaAlertHandler(
            id: id, version: version, hash: contentHash(source), condition: condition, handleFunction: handle,
            resolved: resolved, scripts: scripts, name: place, budget: budget)
    }

    func handle(_ alert: Alert) async { await call(handleFunction, alert, "handle") }

    func resolve(_ alert: Alert) async {
        if let resolved { await call(resolved, alert, "resolved") }
    }

    /// Runs a handler function; a failure is reported in the execution's log, never thrown.
    private func call(_ function: LuaReference, _ alert: Alert, _ what: String) async {
        let table: LuaValue = [
            "id": .string(LuaString(alert.id)), "executionId": .string(LuaString(alert.executionId)),
            "condition": [
                "metric": .string(LuaString(alert.condition.metric)),
                "operator": .string(LuaString(alert.condition.operator.rawValue)),
                "threshold": .number(alert.condition.threshold),
                "duration": alert.condition.duration.map { .number($0) } ?? .nil,
            ],
            "triggered": .number(alert.triggered.timeIntervalSince1970), "value": .number(alert.value),
            "message": .string(LuaString(alert.message)),
        ]
        do {
            _ = try await scripts.call(function, table, executionId: alert.executionId, budget: budget)
        } catch {
            let text = "alert handler '\(id)' version \(version) (\(name)) failed in \(what): \(error)"
            if (try? await scripts.engine.log(alert.executionId, .warning, text)) == nil {
                scripts.options.log?(.warning, text)
            }
        }
    }
}
