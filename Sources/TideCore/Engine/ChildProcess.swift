public import Foundation

/// A process a task attempt started (`tide.exec`), as the store records it: which attempt, on
/// which host, and the process itself (``Identity``). The next `tide` that opens the execution on
/// that host kills what is left of it before anything runs again (`tide resume`), so a task is
/// never run twice at once.
public struct ChildProcess: Sendable, Hashable, Codable {
    /// The process, well enough to find it again and not to take another for it.
    public struct Identity: Sendable, Hashable, Codable {
        /// Its process id: the guard's (`tide-guard`) when it runs under one.
        public var pid: Int
        /// Its process group (the process leads it).
        public var processGroup: Int
        /// When it started, in clock ticks after boot (`/proc/PID/stat`, field 22); 0 if unknown.
        /// A live process with this pid and another start time is another process.
        public var startTime: Int
        /// Whether it is a `tide-guard`, which kills every descendant when it is sent `SIGTERM`.
        public var guarded: Bool

        /// Creates an identity.
        public init(pid: Int, processGroup: Int, startTime: Int, guarded: Bool) {
            self.pid = pid
            self.processGroup = processGroup
            self.startTime = startTime
            self.guarded = guarded
        }
    }

    /// The task whose attempt started it.
    public var taskId: String
    /// The attempt (1 for the first).
    public var attempt: Int
    /// The host it runs on.
    public var host: String
    /// The process.
    public var identity: Identity
    /// When it started.
    public var startedAt: Date
    /// Whether it and everything it started are known to be gone.
    public var ended: Bool

    /// Creates a record.
    public init(taskId: String, attempt: Int, host: String, identity: Identity, startedAt: Date, ended: Bool = false) {
        self.taskId = taskId
        self.attempt = attempt
        self.host = host
        self.identity = identity
        self.startedAt = startedAt
        self.ended = ended
    }

    /// The environment variable every child of an execution carries, set to its id: what the next
    /// `tide` looks for to find children that left their group and lost their parent.
    public static let executionVariable = "TIDE_EXECUTION_ID"
    /// The environment variable carrying the attempt's id (``TaskContext/attemptId``).
    public static let attemptVariable = "TIDE_ATTEMPT_ID"

    /// This machine's host name.
    public static let currentHost: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
