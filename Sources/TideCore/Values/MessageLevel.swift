/// The severity of an ``ExecutionMessage``.
public enum MessageLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Detailed debugging information.
    case debug = "DEBUG"
    /// General informational messages.
    case info = "INFO"
    /// Potential issues or concerns.
    case warning = "WARNING"
    /// Error conditions.
    case error = "ERROR"

    private var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }

    /// Orders levels from ``debug`` to ``error``.
    public static func < (lhs: MessageLevel, rhs: MessageLevel) -> Bool { lhs.rank < rhs.rank }
}
