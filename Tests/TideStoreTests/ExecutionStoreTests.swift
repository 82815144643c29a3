import Foundation
import GRDB
import Testing
import TideCore
import TideStore
import TideTesting

/// A fresh store file in a new folder.
func temporaryStorePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("tide-store-\(UUID().uuidString)/tide.db").path
}

private func storedExecution(_ id: String = "e1", tasks: Int = 2) -> StoredExecution {
    StoredExecution(
        id: id, planId: "p", planName: "P", planFile: "/tmp/p.lua", planSource: "return {}", totalTasks: tasks,
        variables: ["x": 1], pid: 42)
}

@Suite("The SQLite store")
struct ExecutionStoreTests {
    @Test func open_whenFileIsNew_createsASoundDatabase() throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.recentExecutions().isEmpty)
    }

    @Test func commit_whenBatchesAreWritten_readsThemBackAsAResumePoint() async throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        try store.create(storedExecution())
        let start = Date(timeIntervalSince1970: 1_000)
        var first = JournalBatch()
        first.executionId = "e1"
        first.status = .running
        first.events = [
            ExecutionEvent(id: "1", type: .executionStarted, timestamp: start, description: "started"),
            ExecutionEvent(id: "2", type: .taskStarted, timestamp: start, taskId: "a"),
            ExecutionEvent(id: "3", type: .taskCompleted, timestamp: start, taskId: "a"),
            ExecutionEvent(id: "4", type: .taskStarted, timestamp: start, taskId: "b"),
        ]
        first.tasks = ["a": TaskUpdate(outcome: .completed, result: ["rows": 3], state: ["step": 2])]
        first.messages = [(1, ExecutionMessage(level: .warning, message: "careful", timestamp: start, taskId: "a"))]
        try await store.commit(first)
        var second = JournalBatch()
        second.executionId = "e1"
        second.status = .running
        second.tasks = ["b": TaskUpdate(state: ["half": true])]
        second.variables = ["x": 2]
        second.checkpoints = [
            CheckpointRecord(
                whole: ExecutionCheckpoint(
                    id: "e1-cp1", executionId: "e1", timestamp: start,
                    state: ExecutionState(completedTasks: ["a"], taskStates: [:], variables: ["x": 2]), metadata: [:]))
        ]
        try await store.commit(second)

        let point = try store.lastDurableState(of: "e1")
        #expect(point.completed == ["a": ["rows": 3]])
        #expect(point.taskStates == ["a": ["step": 2], "b": ["half": true]])
        #expect(point.attempts == ["a": 1, "b": 1])
        #expect(point.variables == ["x": 2])
        #expect(point.lastEventSequence == 4)
        #expect(point.messageCount == 1)
        #expect(point.checkpoints.map(\.id) == ["e1-cp1"])
        let events = try store.events(of: "e1", after: 1)
        #expect(events.map(\.id) == ["2", "3", "4"])
        #expect(events[0].description == "task 'a' started")
        #expect(try store.messages(of: "e1").map(\.message.message) == ["careful"])
        #expect(try store.execution(matching: "e1").status == .running)
        #expect(try store.checkpoint("e1-cp1").state.completedTasks == ["a"])
    }

    @Test func execution_whenGivenAPrefix_findsTheOnlyMatch() throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        try store.create(storedExecution("abc123"))
        try store.create(storedExecution("abd456"))
        #expect(try store.execution(matching: "abc").id == "abc123")
        #expect(throws: StoreError.self) { try store.execution(matching: "ab") }
        do {
            _ = try store.execution(matching: "zz")
        } catch {
            #expect(error.message.contains("no execution 'zz'"))
        }
    }

    @Test func open_whenFileIsNotADatabase_refusesAndChangesNothing() throws {
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let garbage = Data((0..<4096).map { UInt8($0 % 251) })
        try garbage.write(to: URL(fileURLWithPath: path))
        do {
            _ = try ExecutionStore(path: path)
            Issue.record("a garbage file opened as a store")
        } catch {
            #expect(error.message.contains("is not a Tide database or is damaged"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test func open_whenDatabaseBelongsToSomethingElse_refuses() throws {
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "CREATE TABLE invoices (id INTEGER)") }
        do {
            _ = try ExecutionStore(path: path)
            Issue.record("a foreign database opened as a store")
        } catch {
            #expect(error.message.contains("that Tide did not create (it has the tables invoices)"))
        }
    }

    @Test func open_whenSchemaIsNewer_refuses() throws {
        let path = temporaryStorePath()
        _ = try ExecutionStore(path: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('2099-01-01 from the future')")
        }
        do {
            _ = try ExecutionStore(path: path)
            Issue.record("a newer schema opened")
        } catch {
            #expect(error.message.contains("written by a newer version of Tide"))
        }
    }

    @Test func controls_whenRequested_areSeenUntilApplied() throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        try store.create(storedExecution())
        let request = try store.requestControl("e1", "pause")
        #expect(try store.pendingControls("e1").map(\.command) == ["pause"])
        #expect(try store.controlOutcome(request) == nil)
        try store.markApplied(request, outcome: "ok")
        #expect(try store.pendingControls("e1").isEmpty)
        #expect(try store.controlOutcome(request) == "ok")
    }

    @Test func prune_whenExecutionsEndedLongAgo_deletesThemWithTheirTimelines() async throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        try store.create(storedExecution("old"))
        try store.create(storedExecution("running"))
        var final = JournalBatch()
        final.executionId = "old"
        final.status = .completed
        final.events = [ExecutionEvent(id: "1", type: .executionCompleted, timestamp: Date())]
        final.finalResult = ExecutionResult(
            executionId: "old", planId: "p", status: .completed, startedAt: Date(timeIntervalSince1970: 0),
            completedAt: Date(timeIntervalSince1970: 10))
        try await store.commit(final)
        #expect(try store.prune(endedBefore: Date(timeIntervalSince1970: 100)) == 1)
        #expect(try store.recentExecutions().map(\.id) == ["running"])
        #expect(try store.events(of: "old").isEmpty)
    }

    @Test func engine_whenItRunsWithTheStore_recordsTheWholeTimelineAndResult() async throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        let plan = ExecutionPlan(
            id: "p",
            tasks: (1...20).map { n in PlanTask(id: "t\(n)") { _ in .int(n) } } + [
                PlanTask(id: "sum", dependencies: (1...20).map { "t\($0)" }) { ctx in
                    .int(ctx.upstreamResults.values.compactMap(\.intValue).reduce(0, +))
                }
            ])
        try store.create(
            StoredExecution(
                id: "run", planId: "p", planName: "p", planFile: "p.lua", planSource: "", totalTasks: 21,
                variables: [:]))
        let engine = DefaultExecutionEngine(journal: store)
        let id = try await engine.start(plan, executionId: "run")
        let result = try await engine.result(of: id)
        #expect(result.result == ["sum": 210])
        let stored = try store.execution(matching: "run")
        #expect(stored.status == .completed)
        #expect(stored.result?.result == ["sum": 210])
        #expect(try store.events(of: "run").map(\.id) == result.timeline.map(\.id))
        #expect(try store.taskOutcomes(of: "run").count == 21)
        #expect(try store.integrityCheck() == "ok")
    }
}

@Suite("The SQLite store under faults")
struct StoreFaultTests {
    @Test func commit_whenTheDiskIsFull_stopsTheExecutionAndKeepsWhatWasCommitted() async throws {
        let path = temporaryStorePath()
        _ = try ExecutionStore(path: path)  // the schema, before the cap
        let pages = try await DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        }
        let store = try ExecutionStore(path: path, durability: .process, busyTimeout: 1, maxPageCount: pages + 4)
        try store.create(
            StoredExecution(
                id: "full", planId: "p", planName: "p", planFile: "p.lua", planSource: "", totalTasks: 200,
                variables: [:]))
        let big = JSONValue.string(String(repeating: "x", count: 4000))
        let plan = ExecutionPlan(
            id: "p", maxConcurrency: 1,
            tasks: (1...200).map { n in PlanTask(id: "t\(n)", dependencies: n > 1 ? ["t\(n - 1)"] : []) { _ in big } })
        let result = try await DefaultExecutionEngine(journal: store).execute(plan, executionId: "full")
        #expect(result.status == .failed)
        #expect(result.error?.code == "STORE_ERROR")
        #expect(result.error?.message.contains("is full") == true)
        #expect(try store.integrityCheck() == "ok")
        let events = try store.events(of: "full")
        #expect(!events.isEmpty)
        #expect(events.map(\.id) == events.indices.map { String($0 + 1) }, "what was committed is whole")
    }

    @Test func open_whenAnotherProcessHoldsTheLock_saysItIsLocked() throws {
        let path = temporaryStorePath()
        let store = try ExecutionStore(path: path, durability: .process, busyTimeout: 0.05, maxPageCount: nil)
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the lock must outlive the access
        let holder = try DatabaseQueue(path: path, configuration: configuration)
        try holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        defer { try? holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") } }
        do {
            try store.create(
                StoredExecution(
                    id: "x", planId: "p", planName: "p", planFile: "p.lua", planSource: "", totalTasks: 1,
                    variables: [:]))
            Issue.record("a write went through an exclusive lock")
        } catch {
            #expect(error.message.contains("is locked by another process"))
        }
    }

    @Test func execute_whenTheJournalKnowsTheId_resumesInsteadOfStartingAgain() async throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        try store.create(
            StoredExecution(
                id: "again", planId: "p", planName: "p", planFile: "p.lua", planSource: "", totalTasks: 2,
                variables: [:]))
        let failing = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { _ in "a done" },
                PlanTask(id: "b", dependencies: ["a"]) { _ in throw ExecutionError(code: "NOT_YET", message: "later") },
            ])
        #expect(
            try await DefaultExecutionEngine(journal: store).execute(failing, executionId: "again").status == .failed)
        let fixed = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { _ in throw ExecutionError(code: "RAN_AGAIN", message: "a must not run again") },
                PlanTask(id: "b", dependencies: ["a"]) { ctx in ctx.upstreamResults["a"] ?? .null },
            ])
        let result = try await DefaultExecutionEngine(journal: store).execute(fixed, executionId: "again")
        #expect(result.status == .completed)
        #expect(result.result == ["b": "a done"])
        #expect(result.timeline.first?.type == .recoveryInitiated)
    }
}

@Suite("Recovery decisions across a resume")
struct ResumeDecisionTests {
    @Test func resume_whenAStrategySkippedATask_keepsTheSkipInsteadOfAskingAgain() async throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        try store.create(
            StoredExecution(
                id: "e", planId: "p", planName: "p", planFile: "p.lua", planSource: "", totalTasks: 2, variables: [:]))
        let first = DefaultExecutionEngine(journal: store)
        first.addRecoveryStrategy(
            ScriptedStrategy(id: "skip", applicableErrors: ["OPTIONAL_DOWN"]) { _ in
                RecoveryResult(success: true, action: .skip, message: "not needed")
            })
        let broken = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { _ in throw ExecutionError(code: "OPTIONAL_DOWN", message: "down") },
                PlanTask(id: "b", dependencies: ["a"]) { _ in throw ExecutionError(code: "BUG", message: "bug") },
            ])
        #expect(try await first.execute(broken, executionId: "e").status == .failed)
        let fixed = ExecutionPlan(
            id: "p",
            tasks: [
                PlanTask(id: "a") { _ in throw ExecutionError(code: "ASKED_AGAIN", message: "a ran again") },
                PlanTask(id: "b", dependencies: ["a"]) { ctx in .bool(ctx.upstreamResults["a"] == nil) },
            ])
        let result = try await DefaultExecutionEngine(journal: store).execute(fixed, executionId: "e")
        #expect(result.status == .completed)
        #expect(result.result == ["b": true])
        #expect(result.timeline.first?.data?["skippedTasks"] == 1)
    }
}

@Suite("Checkpoint records in the store")
struct StoredCheckpointTests {
    static func checkpoint(_ id: String, completed: [String], states: [String: JSONValue]) -> ExecutionCheckpoint {
        var results: [String: JSONValue] = [:]
        for task in completed { results[task] = .string("result of \(task)") }
        return ExecutionCheckpoint(
            id: id, executionId: "e1", timestamp: Date(timeIntervalSince1970: 1_000),
            state: ExecutionState(completedTasks: completed, taskStates: states),
            metadata: ["results": .object(results)])
    }

    @Test func commit_ofRecords_readsBackEveryCheckpointWhole_afterAReopen() async throws {
        let path = temporaryStorePath()
        let store = try ExecutionStore(path: path)
        try store.create(storedExecution())
        let cp1 = Self.checkpoint("e1-cp1", completed: ["a"], states: ["a": 1])
        let cp2 = Self.checkpoint("e1-cp2", completed: ["a", "b"], states: ["a": 1, "b": 2])
        let cp3 = Self.checkpoint("e1-cp3", completed: ["a", "c"], states: ["c": 3])
        var batch = JournalBatch()
        batch.executionId = "e1"
        batch.checkpoints = [CheckpointRecord(whole: cp1), CheckpointRecord(cp2, after: cp1, baseDepth: 0)]
        try await store.commit(batch)
        batch.checkpoints = [CheckpointRecord(cp3, after: cp2, baseDepth: 1)]
        try await store.commit(batch)

        let reopened = try ExecutionStore(path: path)
        #expect(try reopened.checkpoints(of: "e1") == [cp1, cp2, cp3])
        #expect(try reopened.checkpoint("e1-cp3") == cp3)
        #expect(try reopened.lastDurableState(of: "e1").checkpoints == [cp1, cp2, cp3])
    }

    @Test func checkpoint_writtenWholeByAnEarlierTide_isStillRead() async throws {
        let path = temporaryStorePath()
        let store = try ExecutionStore(path: path)
        try store.create(storedExecution())
        let old = Self.checkpoint("e1-cp1", completed: ["a"], states: [:])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let body = String(decoding: try encoder.encode(old), as: UTF8.self)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: "INSERT INTO checkpoints (id, executionId, timestamp, body) VALUES (?, ?, ?, ?)",
                arguments: [old.id, "e1", 1_000, body])
        }
        #expect(try store.checkpoints(of: "e1") == [old])
    }
}
