import Foundation
import Testing
import TideCore
import TideTesting

/// What a journaled execution reports is what is committed: events, messages, results, figures and
/// status, whatever the journal does; and attempt numbers are identities.
@Suite("The commit gate and attempt identities")
struct CommitGateTests {
    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "disk full" }
    }

    @Test func result_whenTheFirstCommitFails_reportsNothingThatWasNotCommitted() async throws {
        let journal = RecordingJournal()
        journal.fail(with: DiskFull())
        let engine = DefaultExecutionEngine(journal: journal)
        let plan = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { ctx in
                    try await ctx.log(.info, "a ran", context: nil)
                    return 1
                },
                PlanTask(id: "b", dependencies: ["a"]) { _ in 2 },
            ])
        let id = try await engine.start(plan)
        let updates = try await engine.monitor(id)
        var seen: [ExecutionEvent] = []
        var messages: [ExecutionMessage] = []
        var last: ExecutionUpdate?
        for await update in updates {
            seen += update.events
            messages += update.messages
            last = update
        }
        let result = try await engine.result(of: id)
        #expect(result.status == .failed)
        #expect(result.error?.code == "STORE_ERROR")
        #expect(result.timeline.isEmpty, "no event was committed, so none is reported")
        #expect(seen.isEmpty && messages.isEmpty)
        #expect(try await engine.events(of: id).isEmpty)
        #expect(try await engine.messages(of: id).isEmpty)
        #expect(result.metrics.successRate == 1 && result.metrics.throughput == 0, "no completion was committed")
        #expect(last?.status == .failed)
        #expect(last?.progress.completedTasks == 0)
        #expect(journal.batches.isEmpty)
    }

    @Test func result_whenTheFinalCommitFails_isStoreError_notTheEndThatWasNotRecorded() async throws {
        let journal = RecordingJournal()
        let engine = DefaultExecutionEngine(journal: journal)
        let gate = Gate()
        let id = try await engine.start(
            ExecutionPlan(
                id: "p",
                tasks: [
                    PlanTask(id: "a") { _ in
                        await gate.wait()
                        return 1
                    }
                ]))
        for _ in 0..<100_000 where await gate.waiting == 0 { await Task.yield() }
        for _ in 0..<100_000 where try await engine.events(of: id).count < 2 { await Task.yield() }
        journal.fail(with: DiskFull())
        try await engine.cancel(id)
        await gate.open()
        let result = try await engine.result(of: id)
        #expect(result.status == .failed, "the cancellation was never committed")
        #expect(result.error?.code == "STORE_ERROR")
        #expect(result.timeline.map(\.type) == [.executionStarted, .taskStarted])
        #expect(try await engine.getStatus(id) == .failed)
    }

    /// A plan whose task `c` always fails with `AGAIN` after `a` checkpointed.
    private func restoringPlan() -> ExecutionPlan {
        ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { ctx in
                    _ = try await ctx.checkpoint(metadata: [:])
                    return 1
                },
                PlanTask(id: "b", dependencies: ["a"]) { _ in 2 },
                PlanTask(id: "c", dependencies: ["b"]) { _ in throw ExecutionError(code: "AGAIN", message: "again") },
            ])
    }

    @Test func checkpointRestore_countsDecisionsAcrossRestores_soACappedStrategyEnds() async throws {
        let engine = DefaultExecutionEngine()
        let decisions = Counter()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "restore", applicableErrors: ["AGAIN"]) { context in
                _ = await decisions.increment("asked")
                if context.attempt >= 3 { throw RecoveryDeclined() }
                return RecoveryResult(success: true, action: .checkpointRestore, message: "back")
            })
        let result = try await engine.execute(restoringPlan())
        #expect(result.status == .failed)
        #expect(await decisions.values["asked"] == 4, "three restores, then the strategy declines")
    }

    @Test func recovery_whenTheEnginesLimitIsReached_saysSo() async throws {
        let engine = DefaultExecutionEngine(configuration: EngineConfiguration(maxRecoveryAttempts: 3))
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "restore", applicableErrors: ["AGAIN"]) { _ in
                RecoveryResult(success: true, action: .checkpointRestore, message: "back")
            })
        let id = try await engine.start(restoringPlan())
        let result = try await engine.result(of: id)
        #expect(result.status == .failed)
        let messages = try await engine.messages(of: id).map(\.message)
        #expect(messages.contains("task 'c' reached the recovery limit (3 decisions): it fails for good"))
    }

    @Test func cancel_duringEndlessRestores_isAcceptedAndEndsTheExecution() async throws {
        let engine = DefaultExecutionEngine(configuration: EngineConfiguration(maxRecoveryAttempts: 1_000_000))
        let decisions = Counter()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "restore", applicableErrors: ["AGAIN"]) { _ in
                _ = await decisions.increment("asked")
                return RecoveryResult(success: true, action: .checkpointRestore, message: "back")
            })
        let id = try await engine.start(restoringPlan())
        for _ in 0..<1_000_000 where (await decisions.values["asked"] ?? 0) < 5 { await Task.yield() }
        try await engine.cancel(id)  // accepted while a restore is under way, too
        let result = try await engine.result(of: id)
        #expect(result.status == .cancelled)
    }

    @Test func checkpointRestore_withAJournal_recordsTheRollback() async throws {
        let journal = RecordingJournal()
        let engine = DefaultExecutionEngine(journal: journal)
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "restore", applicableErrors: ["AGAIN"]) { context in
                if context.attempt >= 1 { throw RecoveryDeclined() }
                return RecoveryResult(success: true, action: .checkpointRestore, message: "back")
            })
        let result = try await engine.execute(restoringPlan())
        #expect(result.status == .failed)
        let rewinds = journal.batches.compactMap(\.rewind)
        // The checkpoint was taken inside `a`, before anything completed: once with the decision,
        // once when the restore is applied.
        #expect(
            rewinds == [JournalBatch.Rewind(keeping: [], states: [:]), JournalBatch.Rewind(keeping: [], states: [:])])
        let decision = journal.batches.first {
            $0.events.contains { $0.type == .recoveryInitiated && $0.data?["strategyId"] != nil }
        }
        #expect(decision?.rewind != nil, "a crash right after the decision still resumes from the checkpoint")
        // The rollback is committed before anything of the new epoch.
        let position = try #require(journal.batches.firstIndex { $0.rewind != nil })
        let restarted = journal.batches[position...].flatMap(\.events).contains {
            $0.type == .taskStarted && $0.taskId == "b"
        }
        #expect(restarted, "b runs again after the rollback")
    }

    @Test func retry_withAJournal_startsOnlyAfterTheFailedAttemptIsCommitted() async throws {
        let journal = RecordingJournal()
        let engine = DefaultExecutionEngine(journal: journal)
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "again", applicableErrors: ["FLAKY"]) { _ in
                RecoveryResult(success: true, action: .retry, message: "again")
            })
        let attempts = Counter()
        let plan = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { _ in
                    if await attempts.increment("a") < 3 { throw ExecutionError(code: "FLAKY", message: "flaky") }
                    return 1
                }
            ])
        let result = try await engine.execute(plan)
        #expect(result.status == .completed)
        // Each attempt's start is in a later batch than the decision that asked for it.
        var batchOfDecision: [Int] = []
        var batchOfStart: [Int] = []
        for (position, batch) in journal.batches.enumerated() {
            for event in batch.events {
                if event.type == .recoveryInitiated { batchOfDecision.append(position) }
                if event.type == .taskStarted { batchOfStart.append(position) }
            }
        }
        #expect(batchOfStart.count == 3 && batchOfDecision.count == 2)
        for (decision, start) in zip(batchOfDecision, batchOfStart.dropFirst()) {
            #expect(decision < start, "a retry started before the decision was committed")
        }
    }

    @Test func resume_continuesAttemptsAfterTheFloor_andCountsEarlierDecisions() async throws {
        let engine = DefaultExecutionEngine()
        let seen = Counter()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "count", applicableErrors: ["NO"]) { context in
                _ = await seen.increment("decisions-before-\(context.attempt)")
                return RecoveryResult(success: false, action: .abort, message: "stop")
            })
        let plan = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { ctx in .string(ctx.attemptId) },
                PlanTask(id: "b/c") { ctx in
                    _ = await seen.increment("attempt-\(ctx.attempt)")
                    throw ExecutionError(code: "NO", message: "no")
                },
            ])
        var point = ResumePoint(completed: [:], attempts: ["a": 4], lastEventSequence: 10)
        point.attemptFloor = 2
        point.recoveries = ["b/c": 3]
        let id = try await engine.start(plan, executionId: "e", resumingFrom: point)
        let result = try await engine.result(of: id)
        #expect(result.result?["a"] == "e/a/5")
        #expect(await seen.values["attempt-3"] == 1, "a task not in attempts continues after the floor")
        #expect(await seen.values["decisions-before-3"] == 1, "the decisions of earlier runs count")
    }

    @Test(arguments: [
        ("a", "x/a/1"), ("a/b", "x/a%2Fb/1"), ("50%", "x/50%25/1"), ("%2F", "x/%252F/1"),
    ])
    func attemptId_escapesSlashesAndPercents_soItNeverCollides(taskId: String, expected: String) {
        #expect(ContextProbe.attemptId(executionId: "x", taskId: taskId, attempt: 1) == expected)
    }

    @Test func executionStarted_carriesTheExecutionId() async throws {
        let engine = DefaultExecutionEngine()
        let id = try await engine.start(ExecutionPlan(id: "p", tasks: [PlanTask(id: "a") { _ in 1 }]))
        let result = try await engine.result(of: id)
        #expect(result.timeline.first?.type == .executionStarted)
        #expect(result.timeline.first?.data?["executionId"] == .string(id))
    }

    @Test func resume_ofAnExecutionThatCommittedNothing_startsAWholeTimeline() async throws {
        let engine = DefaultExecutionEngine()
        let id = try await engine.start(
            ExecutionPlan(id: "p", tasks: [PlanTask(id: "a") { _ in 1 }]), executionId: "e",
            resumingFrom: ResumePoint(completed: [:]))
        let result = try await engine.result(of: id)
        #expect(result.timeline.map(\.type).prefix(2) == [.executionStarted, .recoveryInitiated])
        #expect(result.timeline.first?.id == "1")
    }
}

/// A stand-in context type, to reach ``TaskContext/attemptId(executionId:taskId:attempt:)``.
private struct ContextProbe: TaskContext {
    var taskId = ""
    var executionId = ""
    var attempt = 1
    var upstreamResults: [String: JSONValue] = [:]
    func state() async -> JSONValue { .null }
    func setState(_ state: JSONValue) async {}
    func variable(_ name: String) async -> JSONValue? { nil }
    func setVariable(_ name: String, _ value: JSONValue) async {}
    func reportQuality(_ quality: Double) async {}
    func reportPhase(_ phase: String) async {}
    func emit(_ description: String, data: JSONValue?) async {}
    func log(_ level: MessageLevel, _ message: String, context: [String: JSONValue]?) async {}
    func checkpoint(metadata: [String: JSONValue]) async throws -> String { "" }
    func allocate(_ requirements: [ResourceRequirement]) async throws -> [Resource] { [] }
    func release(_ resourceIds: [String]) async throws {}
    func waitWhilePaused() async throws {}
}
