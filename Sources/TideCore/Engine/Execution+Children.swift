import Foundation

extension Execution {
    /// Puts a child process of an attempt into the next commit: started (`ended` false), or gone
    /// with everything it started. The record reaches the store within the commit pipeline's
    /// gathering delay; a child that outlives a crash before that is still found by the
    /// ``ChildProcess/executionVariable`` it carries.
    func recordChild(_ identity: ChildProcess.Identity, taskId: String, attempt: Int, ended: Bool) {
        guard isJournaling else { return }
        pipeline.batch.children.append(
            ChildProcess(
                taskId: taskId, attempt: attempt, host: ChildProcess.currentHost, identity: identity,
                startedAt: clock.date(at: clock.now()), ended: ended))
        scheduleCommit()
    }
}
