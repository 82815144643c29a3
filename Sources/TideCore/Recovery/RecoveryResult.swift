/// The outcome of a recovery strategy (the spec's `RecoveryResult`).
public struct RecoveryResult: Sendable, Hashable, Codable {
    /// Whether recovery succeeded.
    public var success: Bool
    /// The action taken.
    public var action: RecoveryAction
    /// The state to continue from, if the strategy changed it (applied before a retry).
    public var newState: ExecutionState?
    /// What the strategy did, in a sentence.
    public var message: String

    /// Creates a result.
    public init(success: Bool, action: RecoveryAction, newState: ExecutionState? = nil, message: String) {
        self.success = success
        self.action = action
        self.newState = newState
        self.message = message
    }
}
