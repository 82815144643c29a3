/// The complete state of an execution, as checkpoints record it (the spec's `ExecutionState`).
public struct ExecutionState: Sendable, Hashable, Codable {
    /// A task running when the state was taken, if any.
    public var currentTaskId: String?
    /// Tasks already completed, in completion order.
    public var completedTasks: [String]
    /// Each task's own state (`ctx.state` in Lua), by task id.
    public var taskStates: [String: JSONValue]
    /// Current resource assignments, by resource id.
    public var resourceAllocations: [String: Resource]
    /// Execution variables (`ctx.vars` in Lua).
    public var variables: [String: JSONValue]

    /// Creates a state.
    public init(
        currentTaskId: String? = nil, completedTasks: [String] = [], taskStates: [String: JSONValue] = [:],
        resourceAllocations: [String: Resource] = [:], variables: [String: JSONValue] = [:]
    ) {
        self.currentTaskId = currentTaskId
        self.completedTasks = completedTasks
        self.taskStates = taskStates
        self.resourceAllocations = resourceAllocations
        self.variables = variables
    }
}
