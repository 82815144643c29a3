/// Engine-wide settings.
public struct EngineConfiguration: Sendable, Hashable {
    /// How long cancelled tasks get to stop before the execution is reported `CANCELLED` anyway.
    public var cancelGracePeriod: Duration
    /// The most recovery decisions one task may get; past it, the task fails with its last error.
    public var maxRecoveryAttempts: Int
    /// When the engine takes checkpoints by itself.
    public var checkpointPolicy: CheckpointPolicy

    /// Creates a configuration.
    public init(
        cancelGracePeriod: Duration = .seconds(5), maxRecoveryAttempts: Int = 10,
        checkpointPolicy: CheckpointPolicy = .off
    ) {
        self.cancelGracePeriod = cancelGracePeriod
        self.maxRecoveryAttempts = maxRecoveryAttempts
        self.checkpointPolicy = checkpointPolicy
    }
}

/// When the engine creates checkpoints without being asked.
public struct CheckpointPolicy: Sendable, Hashable {
    /// A checkpoint after every this many completed tasks, or `nil`.
    public var everyTasks: Int?
    /// A checkpoint every this much time while running, or `nil`.
    public var interval: Duration?

    /// Creates a policy.
    public init(everyTasks: Int? = nil, interval: Duration? = nil) {
        self.everyTasks = everyTasks
        self.interval = interval
    }

    /// No automatic checkpoints.
    public static let off = CheckpointPolicy()
}
