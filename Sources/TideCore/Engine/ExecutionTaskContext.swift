/// The ``TaskContext`` the engine gives one attempt of a task.
final class ExecutionTaskContext: TaskContext {
    let execution: Execution
    let executionId: String
    let taskId: String
    let index: Int
    let attempt: Int
    let upstreamResults: [String: JSONValue]

    init(
        execution: Execution, executionId: String, taskId: String, index: Int, attempt: Int,
        upstreamResults: [String: JSONValue]
    ) {
        self.execution = execution
        self.executionId = executionId
        self.taskId = taskId
        self.index = index
        self.attempt = attempt
        self.upstreamResults = upstreamResults
    }

    func state() async -> JSONValue { await execution.taskState(index) }
    func setState(_ state: JSONValue) async { await execution.setTaskState(index, state) }
    func variable(_ name: String) async -> JSONValue? { await execution.variable(name) }
    func setVariable(_ name: String, _ value: JSONValue) async { await execution.setVariable(name, value) }
    func reportQuality(_ quality: Double) async { await execution.reportQuality(quality) }
    func reportPhase(_ phase: String) async { await execution.reportPhase(phase) }

    func emit(_ description: String, data: JSONValue?) async {
        await execution.record(.custom, description, taskId: taskId, data: data)
    }

    func log(_ level: MessageLevel, _ message: String, context: [String: JSONValue]?) async {
        await execution.log(level, message, taskId: taskId, context: context)
    }

    func checkpoint(metadata: [String: JSONValue]) async throws -> String {
        await execution.makeCheckpoint(reason: "task '\(taskId)'", metadata: metadata).id
    }

    func allocate(_ requirements: [ResourceRequirement]) async throws -> [Resource] {
        let granted = try await execution.resources.allocate(requirements, taskId: taskId)
        guard await execution.resourcesGrantedInTask(index, attempt: attempt, granted) else {
            throw CancellationError()
        }
        return granted
    }

    func release(_ resourceIds: [String]) async throws {
        try await execution.releaseInTask(index, resourceIds)
    }

    func waitWhilePaused() async throws {
        try Task.checkCancellation()
        try await execution.waitWhilePaused()
    }
}
