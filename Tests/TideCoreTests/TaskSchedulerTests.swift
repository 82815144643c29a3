import Testing

@testable import TideCore

@Suite("TaskScheduler")
struct TaskSchedulerTests {
    private func plan(_ tasks: [(String, [String], Int)], concurrency: Int = 8) -> ExecutionPlan {
        ExecutionPlan(
            id: "p", maxConcurrency: concurrency,
            tasks: tasks.map { PlanTask(id: $0.0, dependencies: $0.1, priority: $0.2, body: .noop) })
    }

    /// Starts everything startable and returns the ids, in start order.
    private func drain(_ scheduler: inout TaskScheduler, _ plan: ExecutionPlan) -> [String] {
        var started: [String] = []
        while let index = scheduler.startNext() { started.append(plan.tasks[index].id) }
        return started
    }

    @Test func startNext_ordersByPriority_thenFIFO() {
        let plan = plan([("low", [], 1), ("high", [], 9), ("mid1", [], 5), ("mid2", [], 5), ("high2", [], 9)])
        var scheduler = TaskScheduler(plan: plan)
        #expect(drain(&scheduler, plan) == ["high", "high2", "mid1", "mid2", "low"])
    }

    @Test func startNext_respectsConcurrency_andChangesWithIt() {
        let plan = plan([("a", [], 5), ("b", [], 5), ("c", [], 5)], concurrency: 2)
        var scheduler = TaskScheduler(plan: plan)
        #expect(drain(&scheduler, plan) == ["a", "b"])
        scheduler.complete(0)
        #expect(drain(&scheduler, plan) == ["c"])
        scheduler.maxConcurrency = 1
        #expect(scheduler.startNext() == nil)
    }

    @Test func complete_releasesDependentsOnlyWhenAllDependenciesFinish() {
        let plan = plan([("a", [], 5), ("b", [], 5), ("join", ["a", "b"], 5)])
        var scheduler = TaskScheduler(plan: plan)
        _ = drain(&scheduler, plan)
        #expect(scheduler.complete(0).isEmpty)
        #expect(scheduler.complete(1) == [2])
        #expect(scheduler.states[2] == .ready)
    }

    @Test func fail_skipsEveryTransitiveDependent_andLeavesIndependentBranches() {
        let plan = plan([("a", [], 5), ("b", ["a"], 5), ("c", ["b"], 5), ("other", [], 5), ("d", ["other", "b"], 5)])
        var scheduler = TaskScheduler(plan: plan)
        _ = drain(&scheduler, plan)
        let blocked = scheduler.fail(0)
        #expect(Set(blocked.map { plan.tasks[$0].id }) == ["b", "c", "d"])
        #expect(scheduler.states[3] == .running)
        scheduler.complete(3)
        #expect(scheduler.isFinished)
        #expect(scheduler.completedCount == 1)
    }

    @Test func skip_letsDependentsRun() {
        let plan = plan([("a", [], 5), ("b", ["a"], 5)])
        var scheduler = TaskScheduler(plan: plan)
        _ = drain(&scheduler, plan)
        #expect(scheduler.skip(0) == [1])
        #expect(scheduler.states[0] == .skipped)
    }

    @Test func requeue_putsTheTaskBehindEqualPriorityReadyTasks() {
        let plan = plan([("a", [], 5), ("b", [], 5)], concurrency: 1)
        var scheduler = TaskScheduler(plan: plan)
        #expect(scheduler.startNext() == 0)
        scheduler.requeue(0)
        #expect(scheduler.startNext() == 1)
    }

    @Test func restore_marksCheckpointTasksDone_andReleasesTheRest() {
        let plan = plan([("a", [], 5), ("b", ["a"], 5), ("c", ["b"], 5)])
        var scheduler = TaskScheduler(plan: plan)
        _ = drain(&scheduler, plan)
        scheduler.complete(0)
        _ = drain(&scheduler, plan)
        scheduler.restore(completed: [0])
        #expect(scheduler.runningCount == 0)
        #expect(scheduler.states == [.completed, .ready, .waiting])
        #expect(scheduler.startNext() == 1)
    }

    @Test func run_wideLayeredDAG_startsEveryTaskExactlyOnceInDependencyOrder() {
        // 20 layers × 20 tasks; task i of a layer depends on tasks i, i+1, i+2 (mod 20) of the previous one.
        var tasks: [(String, [String], Int)] = []
        for layer in 0..<20 {
            for i in 0..<20 {
                let dependencies = layer == 0 ? [] : (0..<3).map { "L\(layer - 1)T\((i + $0) % 20)" }
                tasks.append(("L\(layer)T\(i)", dependencies, (i * 7) % 11))
            }
        }
        let plan = plan(tasks, concurrency: 7)
        var scheduler = TaskScheduler(plan: plan)
        var finished = Set<String>()
        var running: [Int] = []
        while !scheduler.isFinished {
            while let index = scheduler.startNext() {
                for dependency in plan.tasks[index].dependencies { #expect(finished.contains(dependency)) }
                running.append(index)
            }
            #expect(running.count <= 7)
            let index = running.removeFirst()
            finished.insert(plan.tasks[index].id)
            scheduler.complete(index)
        }
        #expect(finished.count == 400)
    }
}
