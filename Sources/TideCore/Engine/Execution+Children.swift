import Foundation

extension Execution {
    /// Records a child process of an attempt: started (`ended` false), which returns once the
    /// record is durable, so that the process runs only once it is on record; or gone with
    /// everything it started, which goes with the next commit.
    func recordChild(_ identity: ChildProcess.Identity, taskId: String, attempt: Int, ended: Bool) async {
        guard isJournaling else { return }
        pipeline.batch.children.append(
            ChildProcess(
                taskId: taskId, attempt: attempt, host: ChildProcess.currentHost, identity: identity,
                startedAt: clock.date(at: clock.now()), ended: ended))
        guard !ended else {
            scheduleCommit()
            return
        }
        let token = nextChildToken
        nextChildToken += 1
        await withCheckedContinuation { continuation in
            childWaiters[token] = continuation
            pipeline.releaseAfterCommit(PendingRelease(index: token, epoch: epoch, kind: .childRecorded))
            scheduleCommit()
        }
    }
}
