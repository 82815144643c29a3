/// A strategy for handling specific kinds of failure (the spec's `RecoveryStrategy`).
///
/// The engine asks, in registration order, the strategies whose ``applicableErrors`` contain the
/// failed task's error code (or `"*"`); the first answer applies (a strategy may decline by
/// throwing ``RecoveryDeclined``). A strategy may wait before it
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
    /// The version of the strategy's code, named in recovery events (hot-swapped Lua strategies
    /// number their versions); `nil` by default.
    var version: String? { get }
    /// Decides what to do about a failure.
    ///
    /// - Parameter context: The failure and the execution's state.
    /// - Returns: The decision.
    /// - Throws: ``RecoveryDeclined`` to let the next applicable strategy decide; any other error
    ///   fails the task with `RECOVERY_FAILED`.
    func execute(_ context: RecoveryContext) async throws -> RecoveryResult
}

/// Thrown by a strategy's `execute` to pass a failure on to the next applicable strategy (a Lua
/// strategy returns `nil`): a circuit breaker that has not tripped, a fallback strategy for a task
/// without a fallback.
public struct RecoveryDeclined: Error, Sendable {
    /// Creates the error.
    public init() {}
}

extension RecoveryStrategy {
    /// The version of the strategy's code, named in recovery events; `nil` for compiled-in strategies.
    public var version: String? { nil }

    /// Whether the strategy handles errors with `code`.
    public func applies(to code: String) -> Bool {
        applicableErrors.contains(code) || applicableErrors.contains("*")
    }
}
