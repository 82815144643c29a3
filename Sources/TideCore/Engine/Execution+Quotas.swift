/// What task bodies and scripts add to the timeline, within the plan's ``ExecutionLimits``.
extension Execution {
    /// Logs a message from a task body (`taskId`) or a script about the execution (`nil`): its
    /// text cut to ``ExecutionLimits/maxMessageBytes``, counted against the message quotas.
    ///
    /// - Throws: ``TideError`` `QUOTA_EXCEEDED` for a task past a quota (the message is dropped);
    ///   a message from elsewhere past a quota is dropped without an error.
    func scriptLog(_ level: MessageLevel, _ text: String, taskId: String?, context: [String: JSONValue]?)
        throws(TideError)
    {
        let text = quotas.cut(text)
        if let limit = quotas.admitMessage(bytes: text.utf8.count) {
            try refuse(limit, taskId: taskId)
            return
        }
        log(level, text, taskId: taskId, context: context)
    }

    /// Adds a custom event from a task body or a script, counted against ``ExecutionLimits/maxEvents``.
    ///
    /// - Throws: ``TideError`` `QUOTA_EXCEEDED` for a task past the quota, as ``scriptLog(_:_:taskId:context:)``.
    func scriptEmit(_ description: String, data: JSONValue?, taskId: String?) throws(TideError) {
        if let limit = quotas.admitEvent() {
            try refuse(limit, taskId: taskId)
            return
        }
        record(.custom, quotas.cut(description), taskId: taskId, data: data)
    }

    /// A checkpoint a task asked for, counted against ``ExecutionLimits/maxCheckpoints``.
    ///
    /// - Throws: ``TideError`` `QUOTA_EXCEEDED` past the quota.
    func taskCheckpoint(taskId: String, metadata: [String: JSONValue]) throws(TideError) -> String {
        if let limit = quotas.admitCheckpoint() { try refuse(limit, taskId: taskId) }
        return makeCheckpoint(reason: "task '\(taskId)'", metadata: metadata)
    }

    /// An automatic checkpoint (`every N tasks`), skipped with a warning once past the quota.
    func automaticCheckpoint(reason: String) {
        if let limit = quotas.admitCheckpoint() {
            if quotas.firstReport(of: limit) {
                log(
                    .warning,
                    "no more automatic checkpoints: the execution has taken \(quotas.limits.maxCheckpoints) "
                        + "(maxCheckpoints); raise it with --limit maxCheckpoints=… or checkpoint less often",
                    taskId: nil, context: ["limit": .string(limit.rawValue)])
            }
            return
        }
        makeCheckpoint(reason: reason)
    }

    /// Refuses what passes `limit`: a task gets the error; anything else is dropped. The first time
    /// a limit is reached, the execution's log says so (that warning is not counted).
    func refuse(_ limit: ExecutionLimits.Name, taskId: String?) throws(TideError) {
        let message = quotas.message(passing: limit, taskId: taskId)
        guard let taskId else {
            if quotas.drop(at: limit) {
                log(
                    .warning, message + "; what scripts add past it is dropped", taskId: nil,
                    context: ["limit": .string(limit.rawValue)])
            }
            return
        }
        if quotas.firstReport(of: limit) {
            log(.warning, message, taskId: taskId, context: ["limit": .string(limit.rawValue)])
        }
        throw TideError(.quotaExceeded, message, executionId: id)
    }
}
