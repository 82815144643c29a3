/// What the engine keeps about one task of a running execution.
struct TaskRecord: Sendable {
    /// Attempts started so far.
    var attempts = 0
    /// Recovery decisions received so far.
    var recoveries = 0
    /// The task's own state (`ctx.state`).
    var state: JSONValue = .null
    /// The result once completed.
    var result: JSONValue?
    /// Whether the next attempt runs the fallback body.
    var useFallback = false
    /// When the running attempt started (engine offset), in active time.
    var attemptStartedActive: Duration?
    /// Resources held by the running attempt.
    var resources: [Resource] = []
    /// The execution's active (unpaused) time when the resources were granted: the holder was busy
    /// for the active time that passed until their release.
    var activeAtGrant: Duration = .zero
    /// Active time at grant of resources the body allocated itself (`tide.allocate`), by id.
    var grantedInTask: [String: Duration] = [:]
}
