public import TideCore

/// A recovery strategy that answers from a closure, for tests.
///
/// ```swift
/// engine.addRecoveryStrategy(ScriptedStrategy(id: "retry", applicableErrors: ["FLAKY"]) { _ in
///     RecoveryResult(success: true, action: .retry, message: "again")
/// })
/// ```
public struct ScriptedStrategy: RecoveryStrategy {
    /// The strategy's id (also its name).
    public var id: String
    /// The error codes it handles.
    public var applicableErrors: [String]
    /// Decides what to do about a failure.
    public var answer: @Sendable (RecoveryContext) async throws -> RecoveryResult

    /// Creates a strategy.
    public init(
        id: String, applicableErrors: [String],
        answer: @escaping @Sendable (RecoveryContext) async throws -> RecoveryResult
    ) {
        self.id = id
        self.applicableErrors = applicableErrors
        self.answer = answer
    }

    /// The id.
    public var name: String { id }
    /// A description naming the strategy.
    public var description: String { "test strategy \(id)" }

    /// Asks the closure.
    public func execute(_ context: RecoveryContext) async throws -> RecoveryResult { try await answer(context) }
}
