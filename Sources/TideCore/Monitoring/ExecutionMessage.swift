public import Foundation

/// A log message of an execution (the spec's `ExecutionMessage`).
public struct ExecutionMessage: Sendable, Hashable, Codable {
    /// Severity.
    public var level: MessageLevel
    /// Content.
    public var message: String
    /// When it was generated.
    public var timestamp: Date
    /// The task that logged it, if any.
    public var taskId: String?
    /// Additional context.
    public var context: [String: JSONValue]?

    /// Creates a message.
    public init(
        level: MessageLevel, message: String, timestamp: Date, taskId: String? = nil,
        context: [String: JSONValue]? = nil
    ) {
        self.level = level
        self.message = message
        self.timestamp = timestamp
        self.taskId = taskId
        self.context = context
    }
}
