import Foundation
import Testing
import TideCore
import TideTesting

@Suite("Durability: the journal and resume")
struct DurabilityTests {
    private func task(_ id: String, after: [String] = [], _ value: JSONValue = .null) -> PlanTask {
        PlanTask(id: id, dependencies: after) { ctx in
            await ctx.setState(["seen": true])
            return value
        }
    }

    @Test func journal_whenTaskCompletes_dependentStartsOnlyAfterItsCommit() async throws {
        let journal = RecordingJournal()
        let engine = DefaultExecutionEngine(journal: journal)
        let plan = ExecutionPlan(id: "p", tasks: [task("a", 1), task("b", after: ["a"], 2)])
        journal.hold()
        let id = try await engine.start(plan)
        let updates = try await engine.monitor(id)
        // Commits run one at a time: the first holds EXECUTION_STARTED; wait for a's completion to queue.
        #expect(await journal.waitForCommits(1))
        for _ in 0..<1000 { await Task.yield() }
        let seen = try await engine.events(of: id).map { "\($0.type.rawValue) \($0.taskId ?? "")" }
        #expect(!seen.contains("TASK_STARTED b"), "b started before a's completion was committed")
        journal.release()
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        let batches = journal.batches
        let completedA = try #require(
            batches.firstIndex { $0.events.contains { $0.type == .taskCompleted && $0.taskId == "a" } })
        let startedB = try #require(
            batches.firstIndex { $0.events.contains { $0.type == .taskStarted && $0.taskId == "b" } })
        #expect(completedA < startedB)
        #expect(batches[completedA].tasks["a"] == TaskUpdate(outcome: .completed, result: 1, state: ["seen": true]))
        var monitored: [String] = []
        for await update in updates { monitored += update.events.map(\.id) }
        let committed = batches.flatMap(\.events).map(\.id)
        #expect(monitored == committed, "monitors saw exactly the committed events")
    }

    @Test func journal_whenExecutionRuns_recordsEveryEventOnceWithTheFinalResult() async throws {
        let journal = RecordingJournal()
        let engine = DefaultExecutionEngine(journal: journal)
        let plan = ExecutionPlan(
            id: "p", variables: ["x": 1],
            tasks: (1...50).map { task("t\($0)") } + [
                PlanTask(id: "last", dependencies: (1...50).map { "t\($0)" }) { ctx in
                    await ctx.setVariable("x", 2)
                    try await ctx.log(.info, "done", context: nil)
                    _ = try await ctx.checkpoint(metadata: [:])
                    return "ok"
                }
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .completed)
        let batches = journal.batches
        let ids = batches.flatMap(\.events).compactMap { Int($0.id) }
        #expect(ids == Array(1...result.timeline.count))
        #expect(batches.last?.finalResult?.status == .completed)
        #expect(batches.last?.status == .completed)
        #expect(batches.compactMap(\.variables).last == ["x": 2])
        #expect(batches.flatMap(\.checkpoints).count == 1)
        #expect(batches.flatMap(\.messages).map(\.sequence) == [1])
        #expect(batches.count < result.timeline.count, "commits are grouped")
    }

    @Test func monitor_whenItStartsWhileTheEndWaitsForItsCommit_getsTheFinalUpdate_andNothingEarlier() async throws {
        let journal = RecordingJournal()
        let engine = DefaultExecutionEngine(journal: journal)
        let ran = RunCounter()
        journal.hold()
        let id = try await engine.start(
            ExecutionPlan(
                id: "p",
                tasks: [
                    PlanTask(id: "a") { _ in
                        await ran.add("a")
                        throw ExecutionError(code: "NO", message: "no")
                    }
                ]))
        for _ in 0..<100_000 where await ran.names.isEmpty { await Task.yield() }
        for _ in 0..<1_000 { await Task.yield() }  // the failure is handled, the end waits for its commit
        #expect(try await !engine.getStatus(id).isFinal, "the end is not reported before it is committed")
        #expect(try await engine.events(of: id).isEmpty, "nothing is reported before its commit")
        let updates = try await engine.monitor(id)
        journal.release()
        var last: ExecutionUpdate?
        for await update in updates { last = update }
        #expect(last?.status == .failed)
        #expect(try await engine.result(of: id).status == .failed)
        #expect(try await engine.events(of: id).last?.type == .executionFailed)
    }

    @Test func journal_whenACommitFails_stopsTheExecutionWithStoreError() async throws {
        struct DiskFull: Error, CustomStringConvertible { var description: String { "disk full" } }
        let journal = RecordingJournal()
        journal.fail(with: DiskFull())
        let engine = DefaultExecutionEngine(journal: journal)
        let result = try await engine.execute(ExecutionPlan(id: "p", tasks: [task("a"), task("b", after: ["a"])]))
        #expect(result.status == .failed)
        #expect(result.error?.code == "STORE_ERROR")
        #expect(result.error?.message.contains("disk full") == true)
    }

    @Test func resume_whenTasksCompletedBefore_runsOnlyTheOthersAndContinuesTheTimeline() async throws {
        let runs = RunCounter()
        let plan = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { _ in
                    await runs.add("a")
                    return 10
                },
                PlanTask(id: "b", dependencies: ["a"]) { ctx in
                    await runs.add("b")
                    let previous = await ctx.state()["n"]?.intValue ?? 0
                    return .array([ctx.upstreamResults["a"] ?? .null, .int(ctx.attempt), .int(previous)])
                },
            ])
        let point = ResumePoint(
            completed: ["a": 10], taskStates: ["b": ["n": 7]], attempts: ["a": 1, "b": 2], variables: ["v": 1],
            lastEventSequence: 41, messageCount: 3)
        let engine = DefaultExecutionEngine()
        let id = try await engine.start(plan, executionId: "e1", resumingFrom: point)
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        #expect(await runs.names == ["b"])
        #expect(result.result == ["b": [10, 3, 7]])
        #expect(result.timeline.first?.id == "42")
        #expect(result.timeline.first?.type == .recoveryInitiated)
        #expect(result.timeline.first?.data?["completedTasks"] == 1)
    }
}

/// Which task bodies ran, in order.
actor RunCounter {
    private(set) var names: [String] = []
    func add(_ name: String) { names.append(name) }
}
