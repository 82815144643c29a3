public import Foundation

/// One entry of an execution's audit trail (the spec's `ExecutionEvent`).
///
/// The engine records two events per task; their descriptions ("task 'load' started") are
/// derived from the type and task when read, so recording costs no string building. An event
/// with its own wording keeps it.
public struct ExecutionEvent: Sendable, Hashable, Codable, Identifiable {
    /// Unique event id within the execution (its sequence number).
    public var id: String
    /// The event category.
    public var type: ExecutionEventType
    /// When the event occurred.
    public var timestamp: Date
    /// The task it concerns, if any.
    public var taskId: String?
    /// Additional data.
    public var data: JSONValue?
    private var wording: String?

    /// What happened, in a sentence.
    public var description: String {
        get { wording ?? Self.standardDescription(type, taskId: taskId) }
        set { wording = newValue }
    }

    /// Creates an event with its own description.
    public init(
        id: String, type: ExecutionEventType, timestamp: Date, taskId: String? = nil, description: String,
        data: JSONValue? = nil
    ) {
        self.init(id: id, type: type, timestamp: timestamp, taskId: taskId, data: data)
        self.wording = description
    }

    /// Creates an event whose description is the standard one for its type and task.
    public init(id: String, type: ExecutionEventType, timestamp: Date, taskId: String? = nil, data: JSONValue? = nil) {
        self.id = id
        self.type = type
        self.timestamp = timestamp
        self.taskId = taskId
        self.data = data
        self.wording = nil
    }

    /// The description an event of `type` about `taskId` has when none was given.
    static func standardDescription(_ type: ExecutionEventType, taskId: String?) -> String {
        let task = taskId.map { "task '\($0)'" } ?? "execution"
        switch type {
        case .taskStarted: return "\(task) started"
        case .taskCompleted: return "\(task) completed"
        case .taskFailed: return "\(task) failed"
        default: return type.rawValue.lowercased().replacingOccurrences(of: "_", with: " ")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case id, type, timestamp, taskId, description, data
    }

    /// Decodes an event; its description is kept as written.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            type: try container.decode(ExecutionEventType.self, forKey: .type),
            timestamp: try container.decode(Date.self, forKey: .timestamp),
            taskId: try container.decodeIfPresent(String.self, forKey: .taskId),
            description: try container.decode(String.self, forKey: .description),
            data: try container.decodeIfPresent(JSONValue.self, forKey: .data))
    }

    /// Encodes the event with the spec's field names.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encodeIfPresent(taskId, forKey: .taskId)
        try container.encode(description, forKey: .description)
        try container.encodeIfPresent(data, forKey: .data)
    }

    /// Equal when every field, including the description as read, is equal.
    public static func == (lhs: ExecutionEvent, rhs: ExecutionEvent) -> Bool {
        lhs.id == rhs.id && lhs.type == rhs.type && lhs.timestamp == rhs.timestamp && lhs.taskId == rhs.taskId
            && lhs.data == rhs.data && lhs.description == rhs.description
    }

    /// Hashes the identifying fields.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(type)
        hasher.combine(timestamp)
        hasher.combine(taskId)
    }
}
