public import Foundation

/// A snapshot of an execution's state for recovery (the spec's `ExecutionCheckpoint`).
public struct ExecutionCheckpoint: Sendable, Hashable, Codable, Identifiable {
    /// Unique checkpoint id.
    public var id: String
    /// The execution it belongs to.
    public var executionId: String
    /// When it was created.
    public var timestamp: Date
    /// The complete execution state.
    public var state: ExecutionState
    /// Additional data (what triggered it, the task results it carries, …).
    public var metadata: [String: JSONValue]

    /// Creates a checkpoint.
    public init(
        id: String, executionId: String, timestamp: Date, state: ExecutionState, metadata: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.executionId = executionId
        self.timestamp = timestamp
        self.state = state
        self.metadata = metadata
    }
}
