/// A plan's dependency graph by task index, built once and shared by validation, the scheduler
/// and the execution (so task ids are hashed once per plan, not once per component).
package struct PlanGraph: Sendable {
    /// Index of each task id (the first task, when an id is repeated).
    package let indexById: [String: Int]
    /// The distinct known dependencies of each task, by index.
    package let dependencies: [[Int]]
    /// The tasks that depend on each task, by index.
    package let dependents: [[Int]]
    /// Dependencies that name no task: (task index, dependency id).
    package let unknownDependencies: [(task: Int, dependency: String)]

    /// Builds the graph of `plan`.
    package init(plan: ExecutionPlan) {
        var indexById: [String: Int] = [:]
        indexById.reserveCapacity(plan.tasks.count)
        for (index, task) in plan.tasks.enumerated() where indexById[task.id] == nil {
            indexById[task.id] = index
        }
        var dependencies = [[Int]](repeating: [], count: plan.tasks.count)
        var dependents = [[Int]](repeating: [], count: plan.tasks.count)
        var unknown: [(task: Int, dependency: String)] = []
        for (index, task) in plan.tasks.enumerated() {
            for id in task.dependencies {
                guard let dependency = indexById[id] else {
                    unknown.append((index, id))
                    continue
                }
                // Plans rarely repeat a dependency; a linear check keeps the common case cheap.
                if dependencies[index].contains(dependency) { continue }
                dependencies[index].append(dependency)
                dependents[dependency].append(index)
            }
        }
        self.indexById = indexById
        self.dependencies = dependencies
        self.dependents = dependents
        self.unknownDependencies = unknown
    }
}
