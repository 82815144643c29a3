/// A strategy for handling specific kinds of failure (the spec's `RecoveryStrategy`).
///
/// The engine asks, in registration order, the strategies whose ``applicableErrors`` contain the
/// failed task's error code (or `"*"`); the first answer applies. A strategy may wait before it
/// answers (a backoff delay): `execute` is `async` and is cancelled with the execution.
///
/// ```swift
/// struct RetryTimeouts: RecoveryStrategy {
///     let id = "retry-timeouts"
///     let name = "Retry timeouts"
///     let description = "Retries tasks that timed out, up to three times"
///     let applicableErrors = ["TIMEOUT"]
///     func execute(_ context: RecoveryContext) async throws -> RecoveryResult {
///         context.attempt < 3
///             ? RecoveryResult(success: true, action: .retry, message: "retrying")
///             : RecoveryResult(success: false, action: .abort, message: "gave up")
///     }
/// }
/// ```
public protocol RecoveryStrategy: Sendable {
    /// Strategy identifier, unique among registered strategies.
    var id: String { get }
    /// Human-readable name.
    var name: String { get }
    /// What the strategy does.
    var description: String { get }
    /// The error codes it handles; `"*"` matches every code.
    var applicableErrors: [String] { get }
    /// Decides what to do about a failure.
    ///
    /// - Parameter context: The failure and the execution's state.
    /// - Returns: The decision.
    /// - Throws: Any error; the engine then fails the task with `RECOVERY_FAILED`.
    func execute(_ context: RecoveryContext) async throws -> RecoveryResult
}

extension RecoveryStrategy {
    /// Whether the strategy handles errors with `code`.
    public func applies(to code: String) -> Bool {
        applicableErrors.contains(code) || applicableErrors.contains("*")
    }
}
