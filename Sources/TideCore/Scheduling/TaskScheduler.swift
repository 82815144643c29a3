internal import HeapModule

/// The scheduling core of one execution: which task starts next, and what a finish unblocks.
///
/// A pure, synchronous state machine (no clock, no I/O): the executor tells it what happened and
/// asks it what to start. Ready tasks wait in a heap ordered by priority (highest first), then by
/// the order they became ready (FIFO among equals). Finishing a task costs time proportional to
/// its number of dependents — never a scan over the plan — and starting one costs a heap pop.
///
/// Tasks are addressed by their index in the plan's `tasks` array.
package struct TaskScheduler: Sendable {
    /// Where a task stands.
    package enum TaskState: Sendable, Hashable {
        /// Some dependency has not finished.
        case waiting
        /// Every dependency finished; queued to start.
        case ready
        /// Started and not finished.
        case running
        /// Returned its result, which is not committed to the journal yet: it holds no concurrency
        /// slot, and its dependents wait for ``TaskScheduler/commitCompletion(_:)``.
        case completing
        /// Failed an attempt that will run again once the failure is committed to the journal: it
        /// holds no concurrency slot meanwhile (``TaskScheduler/commitRequeue(_:)`` queues it).
        case retrying
        /// Finished successfully.
        case completed
        /// Failed for good.
        case failed
        /// Will not run (skipped by recovery, or a dependency failed under `continueIndependent`).
        case skipped
    }

    private struct ReadyEntry: Comparable {
        var priority: Int
        var sequence: Int
        var index: Int

        // The maximum is the highest priority, then the lowest sequence (FIFO).
        static func < (lhs: ReadyEntry, rhs: ReadyEntry) -> Bool {
            lhs.priority != rhs.priority ? lhs.priority < rhs.priority : lhs.sequence > rhs.sequence
        }
    }

    private let priorities: [Int]
    private let dependencies: [[Int]]
    private let dependents: [[Int]]
    private var unfinishedDependencies: [Int]
    private var ready = Heap<ReadyEntry>()
    private var sequence = 0

    /// Each task's state, by index.
    package private(set) var states: [TaskState]
    /// How many tasks are running.
    package private(set) var runningCount = 0
    /// How many tasks completed, failed or were skipped.
    package private(set) var finishedCount = 0
    /// How many tasks completed.
    package private(set) var completedCount = 0
    /// The most tasks that may run at once; changeable while running (auto-scaling).
    package var maxConcurrency: Int

    /// Creates the scheduler of a validated plan; tasks without dependencies are ready at once.
    ///
    /// - Parameters:
    ///   - plan: A plan that passed ``ExecutionPlan/validate()``.
    ///   - graph: Its graph, when already built.
    package init(plan: ExecutionPlan, graph: PlanGraph? = nil) {
        let graph = graph ?? PlanGraph(plan: plan)
        self.priorities = plan.tasks.map(\.priority)
        self.dependencies = graph.dependencies
        self.dependents = graph.dependents
        self.unfinishedDependencies = graph.dependencies.map(\.count)
        self.states = [TaskState](repeating: .waiting, count: plan.tasks.count)
        self.maxConcurrency = max(1, plan.maxConcurrency)
        for index in states.indices where unfinishedDependencies[index] == 0 {
            enqueue(index)
        }
    }

    /// The number of tasks.
    package var taskCount: Int { states.count }

    /// Whether every task has finished (completed, failed or skipped).
    package var isFinished: Bool { finishedCount == states.count }

    /// How many tasks are ready to start.
    package var readyCount: Int { ready.count }

    /// The indices of a task's dependencies.
    package func dependencies(of index: Int) -> [Int] { dependencies[index] }

    /// Takes the next task to start, if the concurrency allows one and one is ready; it becomes running.
    package mutating func startNext() -> Int? {
        guard runningCount < maxConcurrency, let entry = ready.popMax() else { return nil }
        states[entry.index] = .running
        runningCount += 1
        return entry.index
    }

    /// Records that a running task completed; returns the tasks that became ready.
    @discardableResult
    package mutating func complete(_ index: Int) -> [Int] {
        finish(index, as: .completed)
        completedCount += 1
        return release(dependentsOf: index)
    }

    /// Records that a running task returned, while its completion is being made durable: its slot
    /// is free at once, its dependents wait for ``commitCompletion(_:)``.
    package mutating func completeAwaitingCommit(_ index: Int) {
        precondition(states[index] == .running, "completeAwaitingCommit(\(index)): the task is not running")
        runningCount -= 1
        states[index] = .completing
    }

    /// Records that a completion is durable; returns the tasks that became ready. Does nothing for a
    /// task that is no longer completing (a restore reset it).
    @discardableResult
    package mutating func commitCompletion(_ index: Int) -> [Int] {
        guard states[index] == .completing else { return [] }
        states[index] = .running  // finish() counts it as leaving the running state
        runningCount += 1
        return complete(index)
    }

    /// Records that a task is skipped (by a recovery decision); its dependents run without its
    /// result. Returns the tasks that became ready.
    @discardableResult
    package mutating func skip(_ index: Int) -> [Int] {
        finish(index, as: .skipped)
        return release(dependentsOf: index)
    }

    /// Records that a running task failed for good. Its dependents, and theirs, can never run:
    /// they are marked skipped and returned, in breadth-first order.
    @discardableResult
    package mutating func fail(_ index: Int) -> [Int] {
        finish(index, as: .failed)
        var blocked: [Int] = []
        var queue = dependents[index]
        var position = 0
        while position < queue.count {
            let dependent = queue[position]
            position += 1
            guard states[dependent] == .waiting else { continue }
            states[dependent] = .skipped
            finishedCount += 1
            blocked.append(dependent)
            queue.append(contentsOf: dependents[dependent])
        }
        return blocked
    }

    /// Puts a running task back in the ready queue (a retry), behind tasks already ready at its priority.
    package mutating func requeue(_ index: Int) {
        precondition(states[index] == .running, "requeue(\(index)): the task is not running")
        runningCount -= 1
        enqueue(index)
    }

    /// Records that a running task will run again once its failed attempt is durable: its slot is
    /// free at once, and it is queued by ``commitRequeue(_:)``.
    package mutating func requeueAwaitingCommit(_ index: Int) {
        precondition(states[index] == .running, "requeueAwaitingCommit(\(index)): the task is not running")
        runningCount -= 1
        states[index] = .retrying
    }

    /// Records that a failed attempt is durable: the task is queued again. Does nothing for a task
    /// that is no longer waiting to retry (a restore reset it).
    package mutating func commitRequeue(_ index: Int) {
        guard states[index] == .retrying else { return }
        enqueue(index)
    }

    /// Resets the scheduler to a checkpoint: the tasks in `completed` count as done, every other
    /// task waits for its dependencies again. No task is running afterwards.
    package mutating func restore(completed: Set<Int>) {
        ready = Heap()
        runningCount = 0
        finishedCount = 0
        completedCount = 0
        for index in states.indices {
            states[index] = completed.contains(index) ? .completed : .waiting
        }
        finishedCount = completed.count
        completedCount = completed.count
        for index in states.indices where states[index] == .waiting {
            unfinishedDependencies[index] = dependencies[index].filter { !completed.contains($0) }.count
            if unfinishedDependencies[index] == 0 { enqueue(index) }
        }
    }

    private mutating func finish(_ index: Int, as state: TaskState) {
        if states[index] == .running { runningCount -= 1 }
        if states[index] == .ready { removeFromReady(index) }
        states[index] = state
        finishedCount += 1
    }

    private mutating func release(dependentsOf index: Int) -> [Int] {
        var released: [Int] = []
        for dependent in dependents[index] where states[dependent] == .waiting {
            unfinishedDependencies[dependent] -= 1
            if unfinishedDependencies[dependent] == 0 {
                enqueue(dependent)
                released.append(dependent)
            }
        }
        return released
    }

    private mutating func enqueue(_ index: Int) {
        states[index] = .ready
        ready.insert(ReadyEntry(priority: priorities[index], sequence: sequence, index: index))
        sequence += 1
    }

    /// Removes a ready task from the heap (a skip decided before it started). Rare: O(n).
    private mutating func removeFromReady(_ index: Int) {
        ready = Heap(ready.unordered.filter { $0.index != index })
    }
}
