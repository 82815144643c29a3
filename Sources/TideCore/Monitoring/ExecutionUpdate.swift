public import Foundation

/// A real-time snapshot of an execution (the spec's `ExecutionUpdate`).
///
/// `metrics` is the full metrics snapshot so far (the spec's `Partial<ExecutionMetrics>`: every
/// field is present, computed from the timeline up to `timestamp`). `events` and `messages` are
/// those since the previous update to the same monitor.
public struct ExecutionUpdate: Sendable, Hashable, Codable {
    /// The execution being updated.
    public var executionId: String
    /// When the snapshot was taken.
    public var timestamp: Date
    /// The status at that moment.
    public var status: ExecutionStatus
    /// Progress information.
    public var progress: ExecutionProgress
    /// A task running at that moment, if any (the earliest started of those running).
    public var currentTask: String?
    /// The metrics so far.
    public var metrics: ExecutionMetrics
    /// Events since the previous update.
    public var events: [ExecutionEvent]
    /// Messages since the previous update.
    public var messages: [ExecutionMessage]

    /// Creates an update.
    public init(
        executionId: String, timestamp: Date, status: ExecutionStatus, progress: ExecutionProgress,
        currentTask: String? = nil, metrics: ExecutionMetrics, events: [ExecutionEvent] = [],
        messages: [ExecutionMessage] = []
    ) {
        self.executionId = executionId
        self.timestamp = timestamp
        self.status = status
        self.progress = progress
        self.currentTask = currentTask
        self.metrics = metrics
        self.events = events
        self.messages = messages
    }
}
