/// Engine-wide settings.
public struct EngineConfiguration: Sendable, Hashable {
    /// How long cancelled tasks get to stop before the execution is reported `CANCELLED` anyway.
    public var cancelGracePeriod: Duration
    /// The most recovery decisions one task may get; past it, the task fails with its last error.
    public var maxRecoveryAttempts: Int
    /// When the engine takes checkpoints by itself.
    public var checkpointPolicy: CheckpointPolicy
    /// The resource pools tasks and ``DefaultExecutionEngine/allocateResources(_:)`` draw from.
    public var pools: [ResourcePool]
    /// Waiting this long raises a resource request's effective priority by one (see ``ResourceManager``).
    public var agingInterval: Duration

    /// Creates a configuration.
    public init(
        cancelGracePeriod: Duration = .seconds(5), maxRecoveryAttempts: Int = 10,
        checkpointPolicy: CheckpointPolicy = .off, pools: [ResourcePool] = [], agingInterval: Duration = .seconds(10)
    ) {
        self.cancelGracePeriod = cancelGracePeriod
        self.maxRecoveryAttempts = maxRecoveryAttempts
        self.checkpointPolicy = checkpointPolicy
        self.pools = pools
        self.agingInterval = agingInterval
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
