/// Finds every problem of a plan (``ExecutionPlan/validate()``).
struct PlanValidator {
    let plan: ExecutionPlan
    let graph: PlanGraph
    private var found: [PlanValidationError.Problem] = []

    init(plan: ExecutionPlan) {
        self.plan = plan
        self.graph = PlanGraph(plan: plan)
    }

    func problems() -> [PlanValidationError.Problem] {
        var validator = self
        validator.check()
        return validator.found
    }

    private mutating func report(
        _ kind: PlanValidationError.Problem.Kind, _ task: PlanTask?, _ message: String
    ) {
        found.append(
            .init(
                kind: kind, taskId: task?.id, location: task?.location ?? (task == nil ? plan.location : nil),
                message: message))
    }

    private mutating func check() {
        if plan.tasks.isEmpty {
            report(.emptyPlan, nil, "the plan has no tasks: add at least one task")
        }
        if plan.maxConcurrency < 1 {
            report(.invalidConcurrency, nil, "concurrency is \(plan.maxConcurrency): it must be at least 1")
        }
        if let timeout = plan.timeout, timeout <= .zero {
            report(.invalidTimeout, nil, "the plan's timeout is \(timeout): it must be positive")
        }
        for (index, task) in plan.tasks.enumerated() {
            checkFields(of: task)
            if let firstIndex = graph.indexById[task.id], firstIndex != index {
                let place = plan.tasks[firstIndex].location.map { " (first defined at \($0))" } ?? ""
                report(.duplicateId, task, "task id '\(task.id)' is used twice\(place): give each task its own id")
            }
        }
        for (taskIndex, dependency) in graph.unknownDependencies {
            let task = plan.tasks[taskIndex]
            let hint =
                closestMatch(to: dependency, among: Array(graph.indexById.keys)).map { " (did you mean '\($0)'?)" }
                ?? ""
            report(
                .unknownDependency, task,
                "task '\(task.id)' depends on '\(dependency)', which is not a task of the plan\(hint)")
        }
        for cycle in cycles(in: graph) {
            let path = (cycle + [cycle[0]]).map { plan.tasks[$0].id }.joined(separator: " → ")
            report(
                .cycle, plan.tasks[cycle[0]],
                "tasks depend on each other in a cycle: \(path); remove one of these dependencies")
        }
    }

    private mutating func checkFields(of task: PlanTask) {
        if task.id.isEmpty {
            report(.emptyId, task, "a task has an empty id: give it an id")
        }
        if !(0...10).contains(task.priority) {
            report(
                .invalidPriority, task,
                "task '\(task.id)' has priority \(task.priority): use 0 (lowest) to 10 (highest)")
        }
        if let timeout = task.timeout, timeout <= .zero {
            report(.invalidTimeout, task, "task '\(task.id)' has timeout \(timeout): it must be positive")
        }
        for requirement in task.resources {
            if !requirement.amount.isFinite || requirement.amount < 0 {
                report(
                    .invalidAmount, task,
                    "task '\(task.id)' requests \(requirement.amount) of '\(requirement.type)': amounts must be zero or more"
                )
            }
            if !(0...10).contains(requirement.priority) {
                report(
                    .invalidPriority, task,
                    "task '\(task.id)' requests '\(requirement.type)' with priority \(requirement.priority): use 0 to 10"
                )
            }
        }
    }

    /// The cycles of the dependency graph, each as task indices in dependency order.
    ///
    /// Kahn's algorithm removes every task not on or behind a cycle; from what is left, walking
    /// dependencies from any task must come back to a task already seen, and that loop is a cycle.
    /// Repeated ids are left to their own problem: only each id's first task is a node.
    private func cycles(in graph: PlanGraph) -> [[Int]] {
        let count = plan.tasks.count
        var isNode = [Bool](repeating: false, count: count)
        for index in graph.indexById.values { isNode[index] = true }
        var pending = graph.dependencies.map(\.count)
        var left = isNode
        var ready = (0..<count).filter { isNode[$0] && pending[$0] == 0 }
        while let index = ready.popLast() {
            left[index] = false
            for dependent in graph.dependents[index] where left[dependent] {
                pending[dependent] -= 1
                if pending[dependent] == 0 { ready.append(dependent) }
            }
        }
        var result: [[Int]] = []
        for start in 0..<count where left[start] {
            var path: [Int] = []
            var position: [Int: Int] = [:]
            var current = start
            var closed = false
            while left[current] {
                if position[current] != nil {
                    closed = true
                    break
                }
                position[current] = path.count
                path.append(current)
                guard let next = graph.dependencies[current].first(where: { left[$0] }) else { break }
                current = next
            }
            if closed, let loopStart = position[current] {
                result.append(Array(path[loopStart...]))
            }
            for index in path { left[index] = false }
        }
        return result
    }
}
