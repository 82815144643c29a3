public import Foundation

/// Detailed error information with recovery context (the spec's `ExecutionError`).
///
/// `code` is a stable string: one the engine produces (`TIMEOUT`, `RECOVERY_FAILED`, …), one a
/// task body raised (`NETWORK_TIMEOUT`), or one of the Lua layer's (`SCRIPT_ERROR`, …). Recovery
/// strategies match on it through their `applicableErrors`.
public struct ExecutionError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Error classification code.
    public var code: String
    /// Human-readable error message.
    public var message: String
    /// The failed task, if the error is specific to one.
    public var taskId: String?
    /// When the error occurred.
    public var timestamp: Date
    /// Whether the error can be recovered from.
    public var recoverable: Bool
    /// Additional error context.
    public var context: [String: JSONValue]?

    /// Creates an error.
    public init(
        code: String, message: String, taskId: String? = nil, timestamp: Date = Date(), recoverable: Bool = false,
        context: [String: JSONValue]? = nil
    ) {
        self.code = code
        self.message = message
        self.taskId = taskId
        self.timestamp = timestamp
        self.recoverable = recoverable
        self.context = context
    }

    /// `CODE: message (task id)`.
    public var description: String {
        "\(code): \(message)" + (taskId.map { " (task \($0))" } ?? "")
    }
}
