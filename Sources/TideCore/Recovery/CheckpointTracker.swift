/// What changed in an execution since its last checkpoint (or the checkpoint it was restored to):
/// what the next ``CheckpointRecord`` holds, so that taking a checkpoint costs what changed.
struct CheckpointTracker: Sendable {
    /// The checkpoint the current state descends from, with its record's depth; `nil` when the
    /// next record must be whole (none yet, or a resume: the state is not any checkpoint's).
    private(set) var base: (id: String, depth: Int)?
    /// Where the tasks completed since the base start in the execution's completion order (they
    /// are its tail: nothing is kept per completion).
    private(set) var completedFrom = 0
    /// Tasks whose state was set since the base (task indices).
    private(set) var states: Set<Int> = []
    /// The state each of ``states`` had at the base (values shared, not copied).
    private(set) var baseStates: [Int: JSONValue] = [:]
    /// Whether the variables changed since the base.
    private(set) var variablesChanged = false

    /// Starts again from `base` (a checkpoint just taken or restored), or from nothing, with
    /// `completedCount` tasks in the completion order.
    mutating func start(from base: (id: String, depth: Int)?, completedCount: Int) {
        self.base = base
        completedFrom = completedCount
        states.removeAll(keepingCapacity: true)
        baseStates.removeAll(keepingCapacity: true)
        variablesChanged = false
    }

    /// Notes that task `index`'s state is replaced; `previous` is the state it had.
    mutating func stateChanged(_ index: Int, previous: JSONValue) {
        if states.insert(index).inserted { baseStates[index] = previous }
    }
    mutating func variablesDidChange() { variablesChanged = true }

    /// Whether the next record is a delta of ``base`` (not whole).
    var nextIsDelta: Bool {
        guard let base else { return false }
        return base.depth + 1 < CheckpointRecord.wholeEvery
    }
}
