/// A DAG of tasks to execute (the spec's `ExecutionPlan`, which it names but does not define).
///
/// ```swift
/// let plan = ExecutionPlan(id: "nightly-etl", maxConcurrency: 4, tasks: [
///     PlanTask(id: "extract") { _ in ["rows": 42] },
///     PlanTask(id: "load", dependencies: ["extract"]) { ctx in ctx.upstreamResults["extract"] ?? .null },
/// ])
/// try plan.validate()
/// ```
public struct ExecutionPlan: Sendable, Identifiable {
    /// The plan's id.
    public var id: String
    /// A human-readable name; the id when not given.
    public var name: String
    /// The tasks, in definition order.
    public var tasks: [PlanTask]
    /// Initial execution variables.
    public var variables: [String: JSONValue]
    /// The most tasks that run at once; at least 1.
    public var maxConcurrency: Int
    /// What happens when a task fails for good.
    public var failurePolicy: FailurePolicy
    /// Longest time the whole execution may take (time paused does not count); `nil` for no limit.
    public var timeout: Duration?
    /// Where the plan is defined (a Lua plan file), for errors.
    public var location: SourceLocation?
    /// What the plan's task bodies may make the execution hold and print.
    public var limits: ExecutionLimits

    /// Creates a plan.
    public init(
        id: String,
        name: String? = nil,
        variables: [String: JSONValue] = [:],
        maxConcurrency: Int = 8,
        failurePolicy: FailurePolicy = .abort,
        timeout: Duration? = nil,
        location: SourceLocation? = nil,
        limits: ExecutionLimits = .default,
        tasks: [PlanTask]
    ) {
        self.limits = limits
        self.id = id
        self.name = name ?? id
        self.tasks = tasks
        self.variables = variables
        self.maxConcurrency = maxConcurrency
        self.failurePolicy = failurePolicy
        self.timeout = timeout
        self.location = location
    }

    /// Checks the plan and reports every problem at once.
    ///
    /// Problems: an empty plan or task id, duplicate ids, unknown dependencies, cycles (each named
    /// by its tasks in order, `a → b → a`), negative or non-finite resource amounts, priorities
    /// outside 0–10, a concurrency below 1, and timeouts that are not positive.
    ///
    /// - Throws: ``PlanValidationError`` listing every problem found.
    public func validate() throws(PlanValidationError) {
        _ = try validatedGraph()
    }

    /// Validates the plan and returns its graph, for the engine to reuse.
    package func validatedGraph() throws(PlanValidationError) -> PlanGraph {
        let validator = PlanValidator(plan: self)
        let problems = validator.problems()
        if !problems.isEmpty { throw PlanValidationError(planId: id, problems: problems) }
        return validator.graph
    }
}
