import Foundation

/// What a running task body can see and do: the engine's side of a task.
///
/// The engine gives each attempt of a task its own context. Lua task bodies reach it as `ctx` and
/// `tide.*`; Swift bodies receive it directly.
public protocol TaskContext: Sendable {
    /// The task's id.
    var taskId: String { get }
    /// The execution's id.
    var executionId: String { get }
    /// The attempt number: 1 for the first attempt of a fresh execution, one more for each
    /// attempt in the same process, and never a number this task had before, across any number of
    /// process deaths and resumes (a resume may skip numbers; see ``ResumePoint/attemptFloor``).
    var attempt: Int { get }
    /// The results of the task's dependencies, by task id (a skipped dependency has none).
    var upstreamResults: [String: JSONValue] { get }

    /// The task's own state, kept in checkpoints.
    func state() async -> JSONValue
    /// Replaces the task's own state.
    func setState(_ state: JSONValue) async
    /// An execution variable.
    func variable(_ name: String) async -> JSONValue?
    /// Sets an execution variable (kept in checkpoints).
    func setVariable(_ name: String, _ value: JSONValue) async
    /// Reports the quality of the task's output, 0–1 (feeds `qualityScore`).
    func reportQuality(_ quality: Double) async
    /// Names the phase the task is in (shown as the execution's `currentPhase`).
    func reportPhase(_ phase: String) async
    /// What the task may make its execution hold and print (the plan's ``ExecutionLimits``).
    var limits: ExecutionLimits { get }
    /// How many checkpoints the execution has taken so far: a value a body handed over before the
    /// count last changed may be kept by a checkpoint.
    var checkpointsTaken: Int { get }
    /// Adds a custom event to the timeline; a description longer than
    /// ``ExecutionLimits/maxMessageBytes`` is cut.
    ///
    /// - Throws: ``ExecutionError`` `QUOTA_EXCEEDED` past ``ExecutionLimits/maxEvents``; the
    ///   attempt then fails with it, whatever the body does next.
    func emit(_ description: String, data: JSONValue?) async throws
    /// Adds a message to the execution's log; a text longer than ``ExecutionLimits/maxMessageBytes``
    /// is cut and ends with `… (N more bytes)`.
    ///
    /// - Throws: ``ExecutionError`` `QUOTA_EXCEEDED` past ``ExecutionLimits/maxMessages`` or
    ///   ``ExecutionLimits/maxLogBytes``; the attempt then fails with it.
    func log(_ level: MessageLevel, _ message: String, context: [String: JSONValue]?) async throws
    /// Creates a checkpoint of the execution now and returns its id.
    ///
    /// - Throws: ``ExecutionError`` `QUOTA_EXCEEDED` past ``ExecutionLimits/maxCheckpoints``.
    func checkpoint(metadata: [String: JSONValue]) async throws -> String
    /// Allocates resources for this attempt, waiting until all are available (all or nothing).
    ///
    /// They are released when the attempt ends if the body has not released them before; each
    /// grant and release is on the timeline. Cancelling the waiting task withdraws the request.
    ///
    /// - Throws: ``TideError`` `INVALID_RESOURCE_REQUEST` or `RESOURCE_UNAVAILABLE`.
    func allocate(_ requirements: [ResourceRequirement]) async throws -> [Resource]
    /// Releases resources this attempt holds (from ``allocate(_:)`` or the task's own requirements).
    ///
    /// - Throws: ``TideError`` `UNKNOWN_RESOURCE`, releasing nothing, if an id is not held by the task.
    func release(_ resourceIds: [String]) async throws
    /// Waits until the execution is not paused; throws `CancellationError` if it is cancelled.
    func waitWhilePaused() async throws
    /// Records that the attempt started a child process (``ChildProcess``), so that what is left of
    /// it can be found and killed before the execution runs again after a crash.
    func childStarted(_ child: ChildProcess.Identity) async
    /// Records that a child process and everything it started are gone.
    func childEnded(_ child: ChildProcess.Identity) async
}

extension TaskContext {
    /// The defaults, for contexts that do not know their plan's limits.
    public var limits: ExecutionLimits { .default }

    /// None, for contexts that do not take checkpoints.
    public var checkpointsTaken: Int { 0 }

    /// Nothing, for contexts that keep no record of child processes.
    public func childStarted(_ child: ChildProcess.Identity) async {}

    /// Nothing, for contexts that keep no record of child processes.
    public func childEnded(_ child: ChildProcess.Identity) async {}

    /// The attempt's identity, unique forever: `executionId/taskId/attempt`, with `%` and `/` in
    /// the task id written `%25` and `%2F`. Use it as the idempotency key of side effects: a
    /// resumed execution never gives it to another attempt.
    public var attemptId: String {
        Self.attemptId(executionId: executionId, taskId: taskId, attempt: attempt)
    }

    /// The identity of attempt `attempt` of a task (see ``attemptId``).
    public static func attemptId(executionId: String, taskId: String, attempt: Int) -> String {
        var escaped = taskId
        if escaped.contains("%") || escaped.contains("/") {
            escaped = escaped.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
        }
        return "\(executionId)/\(escaped)/\(attempt)"
    }
}

/// The code a task runs: a Swift closure, or (through the Lua bridge) a Lua function.
///
/// A body may suspend for a long time and must stop promptly when its task is cancelled. It
/// returns the task's result, which dependents see in ``TaskContext/upstreamResults``. Throwing an
/// ``ExecutionError`` sets the failure's code; any other error is `TASK_ERROR`.
public struct TaskBody: Sendable {
    /// Runs the task once.
    public let run: @Sendable (any TaskContext) async throws -> JSONValue

    /// Creates a body from a closure.
    public init(_ run: @escaping @Sendable (any TaskContext) async throws -> JSONValue) {
        self.run = run
    }

    /// A body that does nothing and returns `null`.
    public static let noop = TaskBody { _ in .null }
}
