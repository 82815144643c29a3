/// What task bodies have added to one execution, against its ``ExecutionLimits``: the counts
/// behind `QUOTA_EXCEEDED` and the cut of long messages.
///
/// A value type the ``Execution`` actor keeps; each `admit…` either counts what is added and
/// returns `nil`, or counts nothing and returns the limit it would pass.
package struct ScriptQuotas: Sendable {
    package let limits: ExecutionLimits
    private(set) var messages = 0
    private(set) var logBytes = 0
    private(set) var events = 0
    private(set) var checkpoints = 0
    /// Messages and events dropped because a quota was reached (from callers that are not tasks).
    private(set) var dropped = 0
    /// Limits already reported in the execution's log: each is reported once.
    private var reported: Set<ExecutionLimits.Name> = []

    package init(limits: ExecutionLimits) {
        self.limits = limits
    }

    /// Starts from what the earlier runs of the execution left: what their task bodies added and
    /// the checkpoints taken count against the quotas of this run.
    package mutating func continueAfter(events: Int, messages: Int, logBytes: Int, checkpoints: Int) {
        self.events = events
        self.messages = messages
        self.logBytes = logBytes
        self.checkpoints = checkpoints
    }

    /// Counts a message of `bytes` bytes of text, or names the limit it would pass.
    package mutating func admitMessage(bytes: Int) -> ExecutionLimits.Name? {
        if messages + 1 > limits.maxMessages { return .maxMessages }
        if logBytes + bytes > limits.maxLogBytes { return .maxLogBytes }
        messages += 1
        logBytes += bytes
        return nil
    }

    /// Counts a custom event, or names the limit it would pass.
    package mutating func admitEvent() -> ExecutionLimits.Name? {
        admitEvents(1)
    }

    /// Counts `count` events a body caused (a resource it allocated adds two), or names the limit.
    package mutating func admitEvents(_ count: Int) -> ExecutionLimits.Name? {
        if events + count > limits.maxEvents { return .maxEvents }
        events += count
        return nil
    }

    /// Counts a checkpoint, or names the limit it would pass.
    package mutating func admitCheckpoint() -> ExecutionLimits.Name? {
        if checkpoints + 1 > limits.maxCheckpoints { return .maxCheckpoints }
        checkpoints += 1
        return nil
    }

    /// Notes something dropped; `true` the first time `limit` is reached (time to say so once).
    package mutating func drop(at limit: ExecutionLimits.Name) -> Bool {
        dropped += 1
        return reported.insert(limit).inserted
    }

    /// Whether `limit` is reported for the first time (and marks it reported).
    package mutating func firstReport(of limit: ExecutionLimits.Name) -> Bool {
        reported.insert(limit).inserted
    }

    /// `text` cut to ``ExecutionLimits/maxMessageBytes`` at a character boundary, ending with
    /// `… (N more bytes)` when cut.
    package func cut(_ text: String) -> String {
        let limit = max(limits.maxMessageBytes, 0)
        guard text.utf8.count > limit else { return text }
        let bytes = Array(text.utf8)
        var end = limit
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a character
        return String(decoding: bytes[..<end], as: UTF8.self) + "… (\(bytes.count - end) more bytes)"
    }

    /// What a task that passed `limit` is told: the limit, its value and how to raise it.
    package func message(passing limit: ExecutionLimits.Name, taskId: String?) -> String {
        let what: String
        switch limit {
        case .maxMessages: what = "its execution has logged \(limits.maxMessages) messages (maxMessages)"
        case .maxLogBytes: what = "its execution has logged \(limits.maxLogBytes) bytes of messages (maxLogBytes)"
        case .maxEvents:
            what =
                "its execution has had \(limits.maxEvents) events from task bodies (maxEvents: custom events, "
                + "and two for each resource a body allocates)"
        case .maxCheckpoints: what = "its execution has taken \(limits.maxCheckpoints) checkpoints (maxCheckpoints)"
        default: what = "it passed \(limit.rawValue)"
        }
        let who = taskId.map { "task '\($0)'" } ?? "a script"
        return "\(who) went past a quota: \(what); raise it with limits = { \(limit.rawValue) = … } in the plan "
            + "or --limit \(limit.rawValue)=…"
    }
}
