import Synchronization
import TideCore

/// What the plan file itself logs and prints while it runs (before any task), kept small: each
/// message cut to ``ExecutionLimits/maxMessageBytes``, and after ``maxMessages`` messages or
/// ``maxBytes`` bytes, one line saying the rest is dropped. A plan file that prints in a loop
/// cannot flood its host's output.
final class PlanFileLog: Sendable {
    /// The most messages passed on.
    static let maxMessages = 1_000
    /// The most bytes of message text passed on.
    static let maxBytes = 1 << 20

    private let sink: @Sendable (MessageLevel, String, SourceLocation?) -> Void
    private let quotas: Mutex<ScriptQuotas>

    init(sink: @escaping @Sendable (MessageLevel, String, SourceLocation?) -> Void, limits: ExecutionLimits) {
        self.sink = sink
        var limits = limits
        limits.maxMessages = min(limits.maxMessages, Self.maxMessages)
        limits.maxLogBytes = min(limits.maxLogBytes, Self.maxBytes)
        quotas = Mutex(ScriptQuotas(limits: limits))
    }

    /// Passes a message on, cut, or drops it once the plan file has said too much.
    @Sendable func forward(_ level: MessageLevel, _ text: String, _ location: SourceLocation?) {
        let (shown, note) = quotas.withLock { quotas -> (String?, String?) in
            let cut = quotas.cut(text)
            guard let limit = quotas.admitMessage(bytes: cut.utf8.count) else { return (cut, nil) }
            return quotas.drop(at: limit)
                ? (nil, "the plan file has logged too much (\(limit.rawValue)): its further messages are dropped")
                : (nil, nil)
        }
        if let shown { sink(level, shown, location) }
        if let note { sink(.warning, note, location) }
    }
}
