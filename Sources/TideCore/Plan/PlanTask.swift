/// One task of an ``ExecutionPlan``: a node of the DAG.
///
/// ```swift
/// PlanTask(id: "load", dependencies: ["extract"], priority: 8, timeout: .seconds(30)) { ctx in
///     let rows = ctx.upstreamResults["extract"]?["rows"]?.intValue ?? 0
///     return ["loaded": .int(rows)]
/// }
/// ```
public struct PlanTask: Sendable, Identifiable {
    /// Unique id within the plan.
    public var id: String
    /// Ids of the tasks that must complete (or be skipped) before this one starts.
    public var dependencies: [String]
    /// The code to run.
    public var body: TaskBody
    /// Resources allocated before each attempt and released after it.
    public var resources: [ResourceRequirement]
    /// Longest time one attempt may run (time paused does not count), and longest it may wait for
    /// its resources; `nil` for no limit.
    public var timeout: Duration?
    /// Scheduling priority, 0 (lowest) to 10 (highest); among equals, earlier-ready tasks start first.
    public var priority: Int
    /// Code to run instead when a recovery strategy answers `FALLBACK`.
    public var fallback: TaskBody?
    /// Expected duration, for progress estimates before any task has finished.
    public var estimatedDuration: Duration?
    /// Whether the default strategies may skip this task when it fails.
    public var optional: Bool
    /// Where the task is defined, for errors (a Lua plan's task table).
    public var location: SourceLocation?

    /// Creates a task.
    public init(
        id: String,
        dependencies: [String] = [],
        resources: [ResourceRequirement] = [],
        priority: Int = 5,
        timeout: Duration? = nil,
        fallback: TaskBody? = nil,
        estimatedDuration: Duration? = nil,
        optional: Bool = false,
        location: SourceLocation? = nil,
        body: TaskBody
    ) {
        self.id = id
        self.dependencies = dependencies
        self.body = body
        self.resources = resources
        self.timeout = timeout
        self.priority = priority
        self.fallback = fallback
        self.estimatedDuration = estimatedDuration
        self.optional = optional
        self.location = location
    }

    /// Creates a task whose body is a closure.
    public init(
        id: String,
        dependencies: [String] = [],
        resources: [ResourceRequirement] = [],
        priority: Int = 5,
        timeout: Duration? = nil,
        optional: Bool = false,
        location: SourceLocation? = nil,
        _ run: @escaping @Sendable (any TaskContext) async throws -> JSONValue
    ) {
        self.init(
            id: id, dependencies: dependencies, resources: resources, priority: priority, timeout: timeout,
            optional: optional, location: location, body: TaskBody(run))
    }
}
