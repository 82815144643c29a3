public import Foundation
public import TideCore

#if canImport(Glibc)
    import Glibc
#endif

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
    /// That process's last sign of life (it writes one every second).
    public var heartbeatAt: Date?
    /// The execution variables as last committed.
    public var variables: [String: JSONValue]
    /// The final result (without its timeline), once the execution ended.
    public var result: ExecutionResult?

    /// Creates a record for a new execution.
    public init(
        id: String, planId: String, planName: String, planFile: String, planSource: String, totalTasks: Int,
        variables: [String: JSONValue], createdAt: Date = Date(), pid: Int? = nil
    ) {
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

    /// Whether a process is running it now: its heartbeat is fresh (the running process writes one
    /// every second) and its process exists on this machine.
    public func isLive(at now: Date = Date()) -> Bool {
        guard let heartbeatAt, !status.isFinal, now.timeIntervalSince(heartbeatAt) < 5 else { return false }
        guard let pid, let id = pid_t(exactly: pid) else { return true }
        return kill(id, 0) == 0 || errno == EPERM
    }

    /// A content hash of a plan's text, to notice a changed plan file.
    public static func hash(_ source: String) -> String {
        "fnv1a64:" + contentHash(source)
    }
}
