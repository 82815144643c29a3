/// An error of the engine's own API: unknown ids, illegal transitions, invalid plans, resources.
///
/// Codes are stable strings, persisted and matched by scripts.
///
/// ```swift
/// do { try await engine.resume(id) }
/// catch let error as TideError where error.code == .illegalTransition { … }
/// ```
public struct TideError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable classification of a ``TideError``.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// The code as persisted.
        public var rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Creates a code from a literal.
        public init(stringLiteral value: String) { self.rawValue = value }
        /// The code itself.
        public var description: String { rawValue }

        /// No execution has that id.
        public static let unknownExecution: Code = "UNKNOWN_EXECUTION"
        /// No checkpoint has that id.
        public static let unknownCheckpoint: Code = "UNKNOWN_CHECKPOINT"
        /// The operation is not possible in the execution's current status.
        public static let illegalTransition: Code = "ILLEGAL_TRANSITION"
        /// The plan did not pass validation.
        public static let invalidPlan: Code = "INVALID_PLAN"
        /// An execution with that id already exists.
        public static let duplicateExecution: Code = "DUPLICATE_EXECUTION"
        /// A resource request can never be met.
        public static let resourceUnavailable: Code = "RESOURCE_UNAVAILABLE"
        /// A resource request is malformed: a negative amount, an unknown constraint.
        public static let invalidResourceRequest: Code = "INVALID_RESOURCE_REQUEST"
        /// An alert names a metric the monitoring system does not measure.
        public static let unknownMetric: Code = "UNKNOWN_METRIC"
        /// An alert condition is malformed.
        public static let invalidAlert: Code = "INVALID_ALERT"
        /// No resource has that id.
        public static let unknownResource: Code = "UNKNOWN_RESOURCE"
        /// A task body went past one of its execution's quotas (``ExecutionLimits``).
        public static let quotaExceeded: Code = "QUOTA_EXCEEDED"
    }

    /// The classification.
    public var code: Code
    /// What went wrong and what to do.
    public var message: String
    /// The execution concerned, if any.
    public var executionId: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, executionId: String? = nil) {
        self.code = code
        self.message = message
        self.executionId = executionId
    }

    /// `CODE: message`.
    public var description: String { "\(code): \(message)" }
}

extension TideError: ExecutionErrorConvertible {
    /// The error as a task failure: same code and message; only `RESOURCE_UNAVAILABLE` is recoverable.
    public var executionError: ExecutionError {
        ExecutionError(code: code.rawValue, message: message, recoverable: code == .resourceUnavailable)
    }
}
