public import Foundation

/// One entry of an execution's audit trail (the spec's `ExecutionEvent`).
public struct ExecutionEvent: Sendable, Hashable, Codable, Identifiable {
    /// Unique event id within the execution (`<executionId>-<sequence>`).
    public var id: String
    /// The event category.
    public var type: ExecutionEventType
    /// When the event occurred.
    public var timestamp: Date
    /// The task it concerns, if any.
    public var taskId: String?
    /// What happened, in a sentence.
    public var description: String
    /// Additional data.
    public var data: JSONValue?

    /// Creates an event.
    public init(
        id: String, type: ExecutionEventType, timestamp: Date, taskId: String? = nil, description: String,
        data: JSONValue? = nil
    ) {
        self.id = id
        self.type = type
        self.timestamp = timestamp
        self.taskId = taskId
        self.description = description
        self.data = data
    }
}
