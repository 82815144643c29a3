public import Foundation

/// How a checkpoint is kept, in memory and in a store: whole, or as what changed since the
/// checkpoint of the same execution taken before it (its ``base``).
///
/// A checkpoint holds the whole state of its execution — every result so far, every task's state,
/// the variables. Kept whole each time, `--checkpoint-every 10` on a 2,000-task plan would keep
/// every result 200 times. As a record it holds only the tasks completed since its base (with
/// their results; the values are shared, not copied), the states and results that differ from
/// the base's, the variables if they changed, and its own metadata: its cost grows with what
/// changed. Every ``wholeEvery``-th record of a chain is whole, which bounds how many records
/// reading one back folds.
public struct CheckpointRecord: Sendable, Hashable, Codable {
    /// A chain of deltas is restarted with a whole record after this many.
    public static let wholeEvery = 32

    /// The checkpoint this one is a delta of; `nil` when stored whole (``whole`` is set).
    public var base: String?
    /// The whole checkpoint, when stored whole.
    public var whole: ExecutionCheckpoint?
    /// How many deltas lead from the last whole checkpoint to this one.
    public var depth = 0
    /// The checkpoint's id.
    public var id = ""
    /// When the checkpoint was taken.
    public var timestamp = Date(timeIntervalSince1970: 0)
    var currentTaskId: String?
    /// Tasks completed since the base, in completion order (after the base's, minus ``completedRemoved``).
    var completedAdded: [String] = []
    /// The base's completed tasks that are no longer completed (a restore between the two).
    var completedRemoved: [String] = []
    /// Results of the tasks added, and results that differ from the base's.
    var results: [String: JSONValue] = [:]
    /// Task states that differ from the base's (new or changed).
    var statesChanged: [String: JSONValue] = [:]
    /// Tasks whose state the base had and this checkpoint has not.
    var statesRemoved: [String] = []
    /// Task states that are tables and changed only in some of their fields, as those fields.
    var statePatches: [String: Patch] = [:]
    var resourceAllocations: [String: Resource] = [:]
    /// The variables, when they differ from the base's.
    var variables: [String: JSONValue]?
    /// The metadata without `results` (which ``results`` and the base give).
    var metadata: [String: JSONValue] = [:]

    /// A delta of checkpoint `base` (a record `depth` deltas from a whole one), from what the
    /// engine tracked since it.
    init(
        id: String, timestamp: Date, base: String, depth: Int, state: ExecutionState, completedAdded: [String],
        results: [String: JSONValue], statesChanged: [String: JSONValue], statesRemoved: [String],
        statePatches: [String: Patch] = [:], variables: [String: JSONValue]?, metadata: [String: JSONValue]
    ) {
        self.statePatches = statePatches
        self.id = id
        self.timestamp = timestamp
        self.base = base
        self.depth = depth
        currentTaskId = state.currentTaskId
        resourceAllocations = state.resourceAllocations
        self.completedAdded = completedAdded
        self.results = results
        self.statesChanged = statesChanged
        self.statesRemoved = statesRemoved
        self.variables = variables
        self.metadata = metadata
    }

    /// `checkpoint` kept whole.
    public init(whole checkpoint: ExecutionCheckpoint) {
        whole = checkpoint
        id = checkpoint.id
        timestamp = checkpoint.timestamp
    }

    /// `checkpoint` as a delta of `base` (whose record is `baseDepth` deltas from a whole one), or
    /// whole when a delta cannot say it (completed tasks in another order) or the chain is long.
    ///
    /// Values are compared with `==`, which is immediate for the values the two checkpoints share.
    public init(_ checkpoint: ExecutionCheckpoint, after base: ExecutionCheckpoint, baseDepth: Int) {
        self.init(whole: checkpoint)
        let state = checkpoint.state
        let baseState = base.state
        guard baseDepth + 1 < Self.wholeEvery else { return }
        let kept = Set(state.completedTasks)
        let removed = baseState.completedTasks.filter { !kept.contains($0) }
        let remaining = removed.isEmpty ? baseState.completedTasks : baseState.completedTasks.filter(kept.contains)
        guard state.completedTasks.starts(with: remaining) else { return }
        let results = checkpoint.metadata["results"]?.objectValue ?? [:]
        let baseResults = base.metadata["results"]?.objectValue ?? [:]
        whole = nil
        self.base = base.id
        depth = baseDepth + 1
        currentTaskId = state.currentTaskId
        completedAdded = Array(state.completedTasks.dropFirst(remaining.count))
        completedRemoved = removed
        for (taskId, result) in results where baseResults[taskId] != result { self.results[taskId] = result }
        for (taskId, taskState) in state.taskStates where baseState.taskStates[taskId] != taskState {
            if let patch = Patch(from: baseState.taskStates[taskId], to: taskState) {
                statePatches[taskId] = patch
            } else {
                statesChanged[taskId] = taskState
            }
        }
        statesRemoved = baseState.taskStates.keys.filter { state.taskStates[$0] == nil }.sorted()
        resourceAllocations = state.resourceAllocations
        variables = state.variables == baseState.variables ? nil : state.variables
        metadata = checkpoint.metadata
        metadata["results"] = nil
    }

    /// The whole checkpoint, given the whole form of its base; `nil` if `base` is not its base.
    public func checkpoint(base: ExecutionCheckpoint?) -> ExecutionCheckpoint? {
        if let whole { return whole }
        guard let base, base.id == self.base else { return nil }
        let removed = Set(completedRemoved)
        var state = base.state
        state.currentTaskId = currentTaskId
        state.completedTasks = state.completedTasks.filter { !removed.contains($0) } + completedAdded
        for taskId in statesRemoved { state.taskStates[taskId] = nil }
        state.taskStates.merge(statesChanged) { _, new in new }
        for (taskId, patch) in statePatches { state.taskStates[taskId] = patch.applied(to: state.taskStates[taskId]) }
        state.resourceAllocations = resourceAllocations
        if let variables { state.variables = variables }
        var results = base.metadata["results"]?.objectValue ?? [:]
        for taskId in completedRemoved { results[taskId] = nil }
        results.merge(self.results) { _, new in new }
        var metadata = self.metadata
        metadata["results"] = .object(results)
        return ExecutionCheckpoint(
            id: id, executionId: base.executionId, timestamp: timestamp, state: state, metadata: metadata)
    }

    /// The fields of a table that changed: a task state that is a table and changed in some
    /// fields is kept as them, so that a big state whose counter moves costs the counter.
    public struct Patch: Sendable, Hashable, Codable {
        /// Fields set (new or changed).
        public var set: [String: JSONValue]
        /// Fields removed.
        public var removed: [String]

        /// The fields that take `old` to `new`, or `nil` when either is not a table.
        public init?(from old: JSONValue?, to new: JSONValue) {
            guard case .object(let before)? = old, case .object(let after) = new else { return nil }
            set = after.filter { before[$0.key] != $0.value }
            removed = before.keys.filter { after[$0] == nil }.sorted()
        }

        /// `base` with the patch applied.
        func applied(to base: JSONValue?) -> JSONValue {
            var fields = base?.objectValue ?? [:]
            for key in removed { fields[key] = nil }
            fields.merge(set) { _, new in new }
            return .object(fields)
        }
    }

    /// The whole checkpoints of the records of one execution, in the order they were taken; a
    /// record whose base is missing is left out.
    public static func fold(_ records: [CheckpointRecord]) -> [ExecutionCheckpoint] {
        var byId: [String: ExecutionCheckpoint] = [:]
        var result: [ExecutionCheckpoint] = []
        for record in records {
            guard let checkpoint = record.checkpoint(base: record.base.flatMap { byId[$0] }) else { continue }
            byId[checkpoint.id] = checkpoint
            result.append(checkpoint)
        }
        return result
    }
}
