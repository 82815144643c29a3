public import Foundation

/// An allocated resource: part of a pool held by a task or a caller of `allocateResources`.
///
/// The spec uses `Resource` without defining it; Tide's has an id to release it by, what was
/// allocated, and who holds it.
public struct Resource: Sendable, Hashable, Codable, Identifiable {
    /// Identifier, unique within the engine; pass it to `releaseResources`.
    public var id: String
    /// The resource type.
    public var type: String
    /// The quantity held.
    public var amount: Double
    /// When the allocation was made.
    public var allocatedAt: Date
    /// The task holding it, if a task does.
    public var taskId: String?
    /// The attributes of the pool it comes from.
    public var attributes: [String: JSONValue]

    /// Creates a resource record.
    public init(
        id: String, type: String, amount: Double, allocatedAt: Date, taskId: String? = nil,
        attributes: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.type = type
        self.amount = amount
        self.allocatedAt = allocatedAt
        self.taskId = taskId
        self.attributes = attributes
    }
}
