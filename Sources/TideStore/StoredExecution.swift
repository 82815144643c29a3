public import Foundation
public import TideCore

/// What the store keeps about one execution, beside its timeline.
public struct StoredExecution: Sendable, Hashable {
    /// The execution id.
    public var id: String
    /// The plan's id.
    public var planId: String
    /// The plan's name.
    public var planName: String
    /// The plan file's path as given when the execution started.
    public var planFile: String
    /// The plan file's text when the execution started.
    public var planSource: String
    /// The hash of ``planSource`` (``hash(_:)``).
    public var planHash: String
    /// The last committed status.
    public var status: ExecutionStatus
    /// Tasks in the plan.
    public var totalTasks: Int
    /// When the execution was created.
    public var createdAt: Date
    /// When its record was last written.
    public var updatedAt: Date
    /// When it ended, if it did.
    public var completedAt: Date?
    /// The process running it (or that last ran it).
    public var pid: Int?
    /// That process's last sign of life: it writes one every second, with each change of status,
    /// and a last one when it ends.
    public var heartbeatAt: Date?
    /// The process that owns it, if one does: only the owner runs it and writes its record. A
    /// process gives up ownership when its run ends (``ExecutionStore/release(_:)``).
    public var owner: ProcessIdentity?
    /// Since when the owner (or the last one) has owned it.
    public var claimedAt: Date?
    /// How many processes have run it (1 for the one that started it; each resume or restore adds one).
    public var incarnation = 1
    /// How many of the processes that ran it stopped without committing a final status.
    public var deaths = 0
    /// What its commits survive; a resume keeps it or raises it.
    public var durability = Durability.process
    /// The execution variables as last committed.
    public var variables: [String: JSONValue]
    /// The limits it runs with (the plan's `limits` with the command line's over them), kept so
    /// that a resume runs with them too; `nil` for an execution recorded before limits were kept.
    public var limits: ExecutionLimits?
    /// The final result (without its timeline), once the execution ended.
    public var result: ExecutionResult?

    /// Creates a record for a new execution.
    public init(
        id: String, planId: String, planName: String, planFile: String, planSource: String, totalTasks: Int,
        variables: [String: JSONValue], createdAt: Date = Date(), pid: Int? = nil, limits: ExecutionLimits? = nil
    ) {
        self.limits = limits
        self.id = id
        self.planId = planId
        self.planName = planName
        self.planFile = planFile
        self.planSource = planSource
        self.planHash = Self.hash(planSource)
        self.status = .pending
        self.totalTasks = totalTasks
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.completedAt = nil
        self.pid = pid
        self.heartbeatAt = pid == nil ? nil : createdAt
        self.variables = variables
        self.result = nil
    }

    /// Whether a process owns it and runs now (``ProcessIdentity/isRunning(heartbeatAt:now:)``):
    /// on this host, the owner's pid exists, is not a zombie and started when the recorded one did
    /// — a killed owner is gone at once, a reused pid is not taken for it; on another host, the
    /// owner's heartbeat is younger than ``ProcessIdentity/ownerStaleAfter`` seconds. Whatever the
    /// status: a process that ran an execution to its end owns it until it gives it up.
    public func isLive(at now: Date = Date()) -> Bool {
        guard let owner else { return false }
        return owner.isRunning(heartbeatAt: heartbeatAt, now: now)
    }

    /// A content hash of a plan's text, to notice a changed plan file.
    public static func hash(_ source: String) -> String {
        "fnv1a64:" + contentHash(source)
    }
}
