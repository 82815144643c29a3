public import Foundation

/// A notification that an alert condition is met (the spec's `Alert`).
public struct Alert: Sendable, Hashable, Codable, Identifiable {
    /// The alert's identifier (the one `setAlert` returned).
    public var id: String
    /// The execution it concerns.
    public var executionId: String
    /// The condition that triggered it.
    public var condition: AlertCondition
    /// When it fired.
    public var triggered: Date
    /// The metric's value at that moment.
    public var value: Double
    /// A sentence saying what fired.
    public var message: String

    /// Creates an alert.
    public init(
        id: String, executionId: String, condition: AlertCondition, triggered: Date, value: Double, message: String
    ) {
        self.id = id
        self.executionId = executionId
        self.condition = condition
        self.triggered = triggered
        self.value = value
        self.message = message
    }
}
