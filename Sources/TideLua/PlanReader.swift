import Lua
import TideCore

/// Turns the table a plan script returns into an ``ExecutionPlan``, collecting every mistake.
///
/// Reading never stops at the first problem: each field of the plan and of every task is checked,
/// then the graph (ids, dependencies, cycles) is validated on the tasks that could be read, and
/// all problems come back together. A task is placed at the line of its `run` function, which
/// sits inside the task's table.
struct PlanReader {
    /// The fields a plan table may have.
    static let planFields = [
        "id", "name", "concurrency", "failurePolicy", "variables", "timeout", "pools", "limits", "tasks",
    ]
    /// The fields a resource pool may have.
    static let poolFields = ["id", "type", "capacity", "costPerUnitSecond", "attributes"]
    /// The fields a task table may have.
    static let taskFields = [
        "id", "after", "run", "fallback", "resources", "timeout", "priority", "optional", "estimatedDuration",
    ]
    /// The fields a resource requirement may have (the spec's `ResourceRequirement`).
    static let requirementFields = ["type", "amount", "duration", "priority", "constraints"]
    /// Names people reach for, and the field Tide calls it.
    static let aliases = [
        "depends": "after", "dependencies": "after", "deps": "after", "depends_on": "after", "needs": "after",
        "fn": "run", "func": "run", "body": "run", "handler": "run", "maxConcurrency": "concurrency",
        "parallelism": "concurrency", "vars": "variables", "onFailure": "failurePolicy",
        "estimate": "estimatedDuration",
    ]

    let file: String
    let state: LuaState
    let makeBody: (LuaReference, String) -> TaskBody
    var problems: [LuaPlanError.Problem] = []
    /// The resource pools the plan declares (`pools = { … }`), for hosts that size the engine from the plan.
    var pools: [ResourcePool] = []
    /// The limits before the plan's `limits` table is read.
    var baseLimits = ExecutionLimits.default
    /// Limits set on top of the plan's table (the command line's `--limit`).
    var limitOverrides: [ExecutionLimits.Name: ExecutionLimits.Setting] = [:]

    init(file: String, state: LuaState, makeBody: @escaping (LuaReference, String) -> TaskBody) {
        self.file = file
        self.state = state
        self.makeBody = makeBody
    }

    /// Reads the plan, or throws every problem found.
    mutating func read(_ value: LuaValue, defaultId: String) throws(LuaPlanError) -> ExecutionPlan {
        guard case .map(let fields) = value else {
            let got = value == .nil ? "nothing" : "a \(value.typeName)"
            throw LuaPlanError(
                file: file,
                problems: [
                    LuaPlanError.Problem(
                        location: nil,
                        message:
                            "the plan file returned \(got): end it with `return plan { id = \"…\", tasks = { … } }` "
                            + "(local plan = require \"tide.plan\")")
                ])
        }
        checkFields(fields, allowed: Self.planFields, what: "plan", location: nil, taskId: nil)
        var plan = ExecutionPlan(id: defaultId, tasks: [])
        if let id = fields["id"] {
            if let text = id.stringValue, !text.isEmpty {
                plan.id = text
            } else {
                planProblem("id must be a non-empty string")
            }
        }
        plan.name = fields["name"].map { $0.stringValue ?? plan.id } ?? plan.id
        if let concurrency = fields["concurrency"] {
            if let count = concurrency.intValue, count >= 1 {
                plan.maxConcurrency = count
            } else {
                planProblem("concurrency must be a whole number of at least 1, got \(concurrency)")
            }
        }
        if let policy = fields["failurePolicy"] {
            switch policy.stringValue {
            case "abort": plan.failurePolicy = .abort
            case "continue", "continueIndependent": plan.failurePolicy = .continueIndependent
            default: planProblem("failurePolicy must be \"abort\" (the default) or \"continue\", got \(policy)")
            }
        }
        if let variables = fields["variables"] {
            do {
                plan.variables = try DataConversion.object(variables, path: "variables")
            } catch {
                planProblem(error.message)
            }
        }
        if let timeout = fields["timeout"] {
            plan.timeout = duration(timeout, what: "the plan's timeout", location: nil, taskId: nil)
        }
        if let pools = fields["pools"] { readPools(pools) }
        plan.limits = baseLimits
        if let limits = fields["limits"] {
            for problem in LimitsReader.read(limits, into: &plan.limits) { planProblem(problem) }
        }
        plan.limits = plan.limits.overridden(by: limitOverrides)
        switch fields["tasks"] {
        case nil:
            planProblem("the plan has no tasks: add tasks = { { id = \"first\", run = function(ctx) … end } }")
        case .array(let tasks)?:
            for (offset, task) in tasks.enumerated() {
                if let task = readTask(task, position: offset + 1) { plan.tasks.append(task) }
            }
        case .map(let entries)? where entries.isEmpty:
            planProblem("the plan's task list is empty: add at least one task")
        case let other?:
            planProblem(
                "tasks must be a list { {…}, {…} } of task tables, got a \(other.typeName)"
                    + (other.mapValue != nil ? " with keys that are not 1…n (a hole in the list?)" : ""))
        }
        do {
            try plan.validate()
        } catch {
            for problem in error.problems where problem.kind != .emptyPlan || problems.isEmpty {
                problems.append(
                    LuaPlanError.Problem(location: problem.location, taskId: problem.taskId, message: problem.message))
            }
        }
        guard problems.isEmpty else { throw LuaPlanError(file: file, problems: problems) }
        return plan
    }

    private mutating func readPools(_ value: LuaValue) {
        guard let list = value.arrayValue else {
            planProblem("pools must be a list of { type = \"gpu\", capacity = 2 } tables, got a \(value.typeName)")
            return
        }
        for (offset, entry) in list.enumerated() {
            let what = "pools[\(offset + 1)]"
            guard case .map(let fields) = entry else {
                planProblem("\(what) must be a table { type = \"gpu\", capacity = 2, costPerUnitSecond = 0.5 }")
                continue
            }
            checkFields(fields, allowed: Self.poolFields, what: "plan: \(what)", location: nil, taskId: nil)
            guard let type = fields["type"]?.stringValue, !type.isEmpty else {
                planProblem("\(what) needs type = \"…\" (the resource type tasks request)")
                continue
            }
            guard let capacity = fields["capacity"]?.doubleValue, capacity.isFinite, capacity >= 0 else {
                planProblem("\(what) needs capacity = <a number of at least 0>")
                continue
            }
            var pool = ResourcePool(id: fields["id"]?.stringValue, type: type, capacity: capacity)
            if let cost = fields["costPerUnitSecond"] {
                if let number = cost.doubleValue, number.isFinite, number >= 0 {
                    pool.costPerUnitSecond = number
                } else {
                    planProblem("\(what).costPerUnitSecond must be a number of at least 0, got \(cost)")
                }
            }
            if let attributes = fields["attributes"] {
                do {
                    pool.attributes = try DataConversion.object(attributes, path: "\(what).attributes")
                } catch {
                    planProblem(error.message)
                }
            }
            pools.append(pool)
        }
    }

    private mutating func readTask(_ value: LuaValue, position: Int) -> PlanTask? {
        guard case .map(let fields) = value else {
            planProblem(
                "task #\(position) must be a table { id = …, run = function(ctx) … end }, got a \(value.typeName)")
            return nil
        }
        let run = fields["run"].flatMap { if case .function(let f) = $0 { f } else { nil } }
        let fallback = fields["fallback"].flatMap { if case .function(let f) = $0 { f } else { nil } }
        let location = (run ?? fallback).flatMap(state.definition(of:)).map {
            SourceLocation(file: $0.chunk, line: $0.line)
        }
        let id = fields["id"]?.stringValue
        let name = id.map { "task '\($0)'" } ?? "task #\(position)"
        let report = { (problems: inout [LuaPlanError.Problem], message: String) in
            problems.append(LuaPlanError.Problem(location: location, taskId: id, message: "\(name): \(message)"))
        }
        checkFields(fields, allowed: Self.taskFields, what: name, location: location, taskId: id)
        if id == nil {
            report(
                &problems,
                fields["id"].map { "id must be a string, got a \($0.typeName)" } ?? "has no id: add id = \"…\"")
        }
        switch fields["run"] {
        case nil: report(&problems, "has no run function: add run = function(ctx) … end")
        case .function?: break
        case let other?: report(&problems, "run must be a function, got a \(other.typeName)")
        }
        if let other = fields["fallback"], fallback == nil {
            report(&problems, "fallback must be a function, got a \(other.typeName)")
        }
        var dependencies: [String] = []
        switch fields["after"] {
        case nil: break
        case .string(let single)?: dependencies = [single.description]
        case .array(let list)?:
            for entry in list {
                if let dependency = entry.stringValue {
                    dependencies.append(dependency)
                } else {
                    report(&problems, "after must list task ids (strings), but holds a \(entry.typeName) (\(entry))")
                }
            }
        case .map(let entries)? where entries.isEmpty: break
        case let other?: report(&problems, "after must be a task id or a list of them, got a \(other.typeName)")
        }
        var task = PlanTask(id: id ?? "#\(position)", dependencies: dependencies, location: location, body: .noop)
        if let run { task.body = makeBody(run, task.id) }
        if let fallback { task.fallback = makeBody(fallback, task.id) }
        if let timeout = fields["timeout"] {
            task.timeout = duration(timeout, what: "\(name): timeout", location: location, taskId: id)
        }
        if let estimate = fields["estimatedDuration"] {
            task.estimatedDuration = duration(
                estimate, what: "\(name): estimatedDuration", location: location, taskId: id)
        }
        if let priority = fields["priority"] {
            if let level = priority.intValue {
                task.priority = level
            } else {
                report(&problems, "priority must be a whole number from 0 to 10, got \(priority)")
            }
        }
        if let optional = fields["optional"] {
            if let flag = optional.boolValue {
                task.optional = flag
            } else {
                report(&problems, "optional must be true or false, got \(optional)")
            }
        }
        if let resources = fields["resources"] {
            task.resources = requirements(resources, name: name, location: location, taskId: id)
        }
        return id == nil ? nil : task
    }

    /// Reads `resources`: a list of requirement tables (one table alone is accepted too).
    private mutating func requirements(_ value: LuaValue, name: String, location: SourceLocation?, taskId: String?)
        -> [ResourceRequirement]
    {
        let list: [LuaValue]
        switch value {
        case .array(let elements): list = elements
        case .map(let fields) where fields.isEmpty: list = []
        case .map(let fields) where fields["type"] != nil: list = [value]
        default:
            problems.append(
                LuaPlanError.Problem(
                    location: location, taskId: taskId,
                    message: "\(name): resources must be a list of { type = …, amount = … } tables, got \(value)"))
            return []
        }
        var result: [ResourceRequirement] = []
        for (offset, entry) in list.enumerated() {
            let what = "\(name): resources[\(offset + 1)]"
            switch Self.requirement(entry, what: what) {
            case .success(let requirement): result.append(requirement)
            case .failure(let messages):
                for message in messages.messages {
                    problems.append(LuaPlanError.Problem(location: location, taskId: taskId, message: message))
                }
            }
        }
        return result
    }

    /// Reads one resource requirement; `what` names it in messages (`resources[1]`).
    static func requirement(_ value: LuaValue, what: String) -> Result<ResourceRequirement, RequirementProblems> {
        guard case .map(let fields) = value else {
            return .failure(RequirementProblems(["\(what) must be a table { type = \"computational\", amount = 2 }"]))
        }
        var messages: [String] = []
        for key in fields.keys {
            guard let name = key.stringValue, requirementFields.contains(name) else {
                let hint = key.stringValue.flatMap { closestMatch(to: $0, among: requirementFields) }
                messages.append(
                    "\(what) has an unknown field \(key)" + (hint.map { " (did you mean '\($0)'?)" } ?? "")
                        + "; its fields are \(requirementFields.joined(separator: ", "))")
                continue
            }
        }
        let type = fields["type"]?.stringValue
        if type == nil {
            messages.append("\(what) needs type = \"computational\" (or \"memory\", \"gpu\", a pool's name)")
        }
        let amount = fields["amount"]?.doubleValue
        if amount == nil { messages.append("\(what) needs amount = <number>") }
        var requirement = ResourceRequirement(type: type ?? "", amount: amount ?? 0)
        if let duration = fields["duration"] {
            switch duration {
            case .integer, .number: requirement.duration = duration.doubleValue
            default:
                switch DurationText.parse(duration) {
                case .success(let parsed): requirement.duration = parsed.seconds * 1000
                case .failure(let error): messages.append("\(what).duration: \(error) (a number is milliseconds)")
                }
            }
        }
        if let priority = fields["priority"] {
            if let level = priority.intValue {
                requirement.priority = level
            } else {
                messages.append("\(what).priority must be a whole number from 0 to 10, got \(priority)")
            }
        }
        if let constraints = fields["constraints"] {
            do {
                requirement.constraints = try DataConversion.object(constraints, path: "\(what).constraints")
            } catch {
                messages.append(error.message)
            }
        }
        return messages.isEmpty ? .success(requirement) : .failure(RequirementProblems(messages))
    }

    private mutating func duration(_ value: LuaValue, what: String, location: SourceLocation?, taskId: String?)
        -> Duration?
    {
        switch DurationText.parse(value) {
        case .success(let duration): return duration
        case .failure(let error):
            problems.append(LuaPlanError.Problem(location: location, taskId: taskId, message: "\(what): \(error)"))
            return nil
        }
    }

    private mutating func checkFields(
        _ fields: [LuaValue: LuaValue], allowed: [String], what: String, location: SourceLocation?, taskId: String?
    ) {
        for key in fields.keys.sorted(by: { $0.description < $1.description }) {
            guard let name = key.stringValue else {
                problems.append(
                    LuaPlanError.Problem(
                        location: location, taskId: taskId,
                        message: "\(what): a field with key \(key): only named fields are allowed"))
                continue
            }
            guard !allowed.contains(name) else { continue }
            let hint = Self.aliases[name] ?? closestMatch(to: name, among: allowed)
            problems.append(
                LuaPlanError.Problem(
                    location: location, taskId: taskId,
                    message: "\(what): unknown field '\(name)'"
                        + (hint.map { " (did you mean '\($0)'?)" }
                            ?? "; its fields are \(allowed.joined(separator: ", "))")))
        }
    }

    private mutating func planProblem(_ message: String) {
        problems.append(LuaPlanError.Problem(location: nil, message: "plan: \(message)"))
    }
}

/// The problems of one resource requirement.
struct RequirementProblems: Error {
    var messages: [String]
    init(_ messages: [String]) { self.messages = messages }
}
