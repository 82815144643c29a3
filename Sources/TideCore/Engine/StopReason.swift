/// Why an execution's loop is winding down its running tasks.
enum StopReason: Sendable {
    /// Cancelled from outside: ends `CANCELLED`.
    case cancel
    /// Failed (abort, timeout, a task failing under `abort`): ends `FAILED` with this error.
    case fail(ExecutionError)
    /// Going back to a checkpoint: the loop starts again from it.
    case restore(ExecutionCheckpoint)
}
