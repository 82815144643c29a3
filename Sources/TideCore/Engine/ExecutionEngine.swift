/// The main interface for running plans (the spec's `ExecutionEngine`).
///
/// Methods the spec declares synchronous (`getStatus`, `addRecoveryStrategy`, …) are `async` or
/// `throws` here where the engine is an actor or an id may be unknown. `subscribe` returns a
/// ``Subscription`` to pass to `unsubscribe`, because Swift closures cannot be compared.
public protocol ExecutionEngine: Sendable {
    /// Runs a plan to its end and returns the result.
    func execute(_ plan: ExecutionPlan) async throws -> ExecutionResult
    /// Stops new tasks from starting; running tasks wait at their next suspension point.
    func pause(_ executionId: String) async throws
    /// Lets a paused execution go on.
    func resume(_ executionId: String) async throws
    /// Cancels an execution.
    func cancel(_ executionId: String) async throws
    /// The execution's current status.
    func getStatus(_ executionId: String) async throws -> ExecutionStatus
    /// The execution's result so far, or `nil` for an unknown id.
    func getResult(_ executionId: String) async -> ExecutionResult?
    /// A live stream of the execution's updates.
    func monitor(_ executionId: String) async throws -> ExecutionUpdates
    /// Takes a checkpoint of a running, paused or finished execution.
    func createCheckpoint(_ executionId: String) async throws -> ExecutionCheckpoint
    /// Brings the checkpoint's execution back to it and runs it on.
    func restoreFromCheckpoint(_ checkpointId: String) async throws
    /// Registers a recovery strategy (replacing one with the same id).
    func addRecoveryStrategy(_ strategy: any RecoveryStrategy)
    /// Unregisters a recovery strategy.
    func removeRecoveryStrategy(_ strategyId: String)
    /// Allocates resources outside any task.
    func allocateResources(_ requirements: [ResourceRequirement]) async throws -> [Resource]
    /// Releases resources allocated with ``allocateResources(_:)``.
    func releaseResources(_ resourceIds: [String]) async throws
    /// Calls `callback` with each update of the execution until it ends or is unsubscribed.
    func subscribe(_ executionId: String, _ callback: @escaping @Sendable (ExecutionUpdate) -> Void) async throws
        -> Subscription
    /// Stops a subscription's callbacks.
    func unsubscribe(_ executionId: String, _ subscription: Subscription) async
}

/// A handle to an event subscription, for ``ExecutionEngine/unsubscribe(_:_:)``.
public struct Subscription: Sendable, Hashable {
    /// The subscription's id.
    public let id: Int
}
