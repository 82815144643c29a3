import Synchronization

/// The ``TaskContext`` the engine gives one attempt of a task.
final class ExecutionTaskContext: TaskContext {
    let execution: Execution
    let executionId: String
    let taskId: String
    let index: Int
    let attempt: Int
    let upstreamResults: [String: JSONValue]
    /// Set when the attempt went past a quota: it fails with this whatever its body does next.
    private let quotaFailure = Mutex<ExecutionError?>(nil)

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

    var limits: ExecutionLimits { execution.limits }
    var checkpointsTaken: Int { execution.checkpointsTaken.load(ordering: .relaxed) }

    func emit(_ description: String, data: JSONValue?) async throws {
        try await quota { () async throws(TideError) in
            try await execution.scriptEmit(description, data: data, taskId: taskId)
        }
    }

    func log(_ level: MessageLevel, _ message: String, context: [String: JSONValue]?) async throws {
        try await quota { () async throws(TideError) in
            try await execution.scriptLog(level, message, taskId: taskId, context: context)
        }
    }

    func childStarted(_ child: ChildProcess.Identity) async {
        await execution.recordChild(child, taskId: taskId, attempt: attempt, ended: false)
    }

    func childEnded(_ child: ChildProcess.Identity) async {
        await execution.recordChild(child, taskId: taskId, attempt: attempt, ended: true)
    }

    func checkpoint(metadata: [String: JSONValue]) async throws -> String {
        try await quota { () async throws(TideError) in
            try await execution.taskCheckpoint(taskId: taskId, metadata: metadata)
        }
    }

    /// Why the attempt must fail whatever its body returns: the quota it went past, if any.
    var failure: ExecutionError? { quotaFailure.withLock { $0 } }

    /// Runs an engine call that counts against a quota; a refusal fails the attempt for good.
    private func quota<T>(_ call: () async throws(TideError) -> T) async throws -> T {
        do {
            return try await call()
        } catch {
            let failure = ExecutionError(
                code: error.code.rawValue, message: error.message, taskId: taskId, recoverable: false)
            quotaFailure.withLock { if $0 == nil { $0 = failure } }
            throw failure
        }
    }

    func allocate(_ requirements: [ResourceRequirement]) async throws -> [Resource] {
        let granted = try await execution.resources.allocate(requirements, taskId: taskId)
        let kept = try await quota { () async throws(TideError) in
            try await execution.resourcesGrantedInTask(index, attempt: attempt, granted)
        }
        guard kept else { throw CancellationError() }
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
