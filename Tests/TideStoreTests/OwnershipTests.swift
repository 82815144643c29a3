import Foundation
import GRDB
import Testing
import TideCore
import TideStore

#if canImport(Glibc)
    import Glibc
#endif

/// One owner per execution, fenced commits, durability that SQLite really applies, and attempt
/// floors that never repeat a number.
@Suite("Ownership and durability in the store")
struct OwnershipTests {
    private func stored(_ id: String = "e1") -> StoredExecution {
        StoredExecution(
            id: id, planId: "p", planName: "P", planFile: "/tmp/p.lua", planSource: "return {}", totalTasks: 2,
            variables: [:])
    }

    /// Makes the row look owned by `owner`, with a heartbeat `age` seconds old.
    private func setOwner(
        _ owner: ProcessIdentity, heartbeatAge age: Double, in path: String, id: String = "e1",
        status: ExecutionStatus = .running
    ) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql:
                    "UPDATE executions SET pid = ?, host = ?, processStart = ?, ownerToken = 'other', heartbeatAt = ?, "
                    + "claimedAt = ?, status = ? WHERE id = ?",
                arguments: [
                    owner.pid, owner.host, owner.start, Date().timeIntervalSince1970 - age,
                    Date().timeIntervalSince1970 - 60, status.rawValue, id,
                ])
        }
    }

    /// A fresh store holding execution `e1`, owned by this process.
    private func storeWithExecution() throws -> (path: String, store: ExecutionStore) {
        let path = temporaryStorePath()
        let store = try ExecutionStore(path: path)
        try store.create(stored())
        return (path, store)
    }

    /// The identity of a process that ran and was reaped: not running any more.
    private func deadProcess() throws -> ProcessIdentity {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        return ProcessIdentity(pid: Int(child.processIdentifier), host: ProcessIdentity.currentHost, start: "x:1")
    }

    private func batch(_ events: [ExecutionEvent], id: String = "e1") -> JournalBatch {
        var batch = JournalBatch()
        batch.executionId = id
        batch.status = .running
        batch.events = events
        return batch
    }

    @Test(arguments: [(Durability.process, 1), (Durability.power, 2)])
    func open_atEachDurability_setsSynchronousAfterGRDBOpensTheDatabase(level: Durability, expected: Int) throws {
        let store = try ExecutionStore(path: temporaryStorePath(), durability: level)
        #expect(try store.synchronousSetting() == expected)
        #expect(store.durability == level)
    }

    @Test func claim_whenAnotherLiveProcessOwnsIt_isRefusedNamingTheOwner_andChangesNothing() throws {
        let (path, store) = try storeWithExecution()
        // pid 1 runs on every Linux machine, and it is not this process.
        let other = ProcessIdentity(pid: 1, host: ProcessIdentity.currentHost, start: ProcessIdentity.startToken(of: 1))
        try setOwner(other, heartbeatAge: 60, in: path)
        let before = try store.execution(matching: "e1")
        #expect(before.isLive(), "a live process on this host owns it, whatever its heartbeat")
        do {
            try store.claim("e1")
            Issue.record("the claim of an execution owned by a live process succeeded")
        } catch {
            #expect(error.code == .owned)
            #expect(error.message.contains("owned by process 1 on host \(ProcessIdentity.currentHost) since"))
        }
        let after = try store.execution(matching: "e1")
        #expect(after.incarnation == before.incarnation && after.owner == before.owner)
    }

    @Test func claim_whenTheOwnerDiedOrItsPidWasReused_succeeds() throws {
        let (path, store) = try storeWithExecution()
        try setOwner(try deadProcess(), heartbeatAge: 0, in: path)
        #expect(!(try store.execution(matching: "e1").isLive()), "a fresh heartbeat does not keep a dead pid alive")
        #expect(try store.claim("e1").incarnation == 2)
        // pid 1 is alive, but it is not the process that started at the recorded time.
        let reused = ProcessIdentity(pid: 1, host: ProcessIdentity.currentHost, start: "another-boot:12345")
        try setOwner(reused, heartbeatAge: 0, in: path)
        #expect(!(try store.execution(matching: "e1").isLive()), "a reused pid is not the owner")
        #expect(try store.claim("e1").incarnation == 3)
    }

    @Test func claim_onAnotherHost_goesByTheHeartbeat() throws {
        let (path, store) = try storeWithExecution()
        let remote = ProcessIdentity(pid: 4242, host: "elsewhere.invalid", start: nil)
        try setOwner(remote, heartbeatAge: 1, in: path)
        #expect(throws: StoreError.self) { try store.claim("e1") }
        try setOwner(remote, heartbeatAge: -3600, in: path)
        #expect(throws: StoreError.self, "a heartbeat from the future (a clock jump) counts as fresh") {
            try store.claim("e1")
        }
        try setOwner(remote, heartbeatAge: ProcessIdentity.ownerStaleAfter + 1, in: path)
        #expect(try store.claim("e1").incarnation == 2)
    }

    @Test func commit_afterAnotherProcessClaimedIt_failsWithLostOwnership_andWritesNothing() async throws {
        let (path, store) = try storeWithExecution()
        let event = ExecutionEvent(id: "1", type: .executionStarted, timestamp: Date(), description: "started")
        try await store.commit(batch([event]))
        // A newer owner takes over (as after this process was thought dead).
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "UPDATE executions SET ownerToken = 'newer'") }
        let next = ExecutionEvent(id: "2", type: .taskStarted, timestamp: Date(), taskId: "a")
        await #expect(throws: StoreError.self) { try await store.commit(batch([next])) }
        #expect(try store.events(of: "e1").map(\.id) == ["1"])
        #expect(throws: StoreError.self) { try store.heartbeat("e1") }
    }

    @Test func lastDurableState_afterADeath_putsAttemptsBeyondAnyTheDeadProcessCouldHaveGiven() async throws {
        let (path, store) = try storeWithExecution()
        let now = Date()
        try await store.commit(
            batch([
                ExecutionEvent(id: "1", type: .executionStarted, timestamp: now, description: "started"),
                ExecutionEvent(id: "2", type: .taskStarted, timestamp: now, taskId: "a"),
                ExecutionEvent(
                    id: "3", type: .taskStarted, timestamp: now, taskId: "b", description: "b", data: ["attempt": 4]),
            ]))
        // This process "dies": it never gives the execution up.
        try setOwner(try deadProcess(), heartbeatAge: 0, in: path)
        let claim = try store.claim("e1")
        #expect(claim.deaths == 1)
        let point = try store.lastDurableState(of: "e1")
        #expect(point.attempts["a"] == 2 && point.attempts["b"] == 5, "next attempts: a 3, b 6")
        #expect(point.attemptFloor == 1, "a task never started begins at 2: the dead run may have given it 1")
    }

    @Test(arguments: [ExecutionStatus.failed, .cancelled, .paused])
    func claim_whileTheOwnerStillRuns_isRefused_whateverTheStatus(status: ExecutionStatus) throws {
        let (path, store) = try storeWithExecution()
        let other = ProcessIdentity(pid: 1, host: ProcessIdentity.currentHost, start: ProcessIdentity.startToken(of: 1))
        try setOwner(other, heartbeatAge: 60, in: path, status: status)
        #expect(throws: StoreError.self) { try store.claim("e1") }
    }

    @Test func claim_countsADeath_whenTheLastOwnerNeverGaveItUp_whateverTheStatus() throws {
        let (path, store) = try storeWithExecution()
        try setOwner(try deadProcess(), heartbeatAge: 0, in: path, status: .failed)
        #expect(try store.claim("e1").deaths == 1, "a run that stopped without giving it up died")
        try store.release("e1")
        #expect(try store.claim("e1").deaths == 1, "a run that gave it up did not")
    }

    @Test func lastDurableState_countsOnlyTheDeathsSinceEachTasksLastStart() async throws {
        let (path, store) = try storeWithExecution()
        let now = Date()
        try await store.commit(
            batch([
                ExecutionEvent(id: "1", type: .executionStarted, timestamp: now, description: "started"),
                ExecutionEvent(id: "2", type: .taskStarted, timestamp: now, taskId: "a"),
                ExecutionEvent(
                    id: "3", type: .recoveryInitiated, timestamp: now, description: "resumed",
                    data: ["action": "RESUME", "deaths": 1]),
                ExecutionEvent(
                    id: "4", type: .taskStarted, timestamp: now, taskId: "b", description: "b", data: ["attempt": 3]),
            ]))
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "UPDATE executions SET deaths = 1") }
        try setOwner(try deadProcess(), heartbeatAge: 0, in: path)
        #expect(try store.claim("e1").deaths == 2)
        let point = try store.lastDurableState(of: "e1")
        #expect(point.attempts["a"] == 3, "a last started before both deaths: 1 + 2")
        #expect(point.attempts["b"] == 4, "b last started after the first death: 3 + 1")
        #expect(point.attemptFloor == 2 && point.deaths == 2)
    }

    @Test func commit_withARewind_clearsWhatTheCheckpointDidNotKeep_beforeTheBatchsOwnUpdates() async throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        try store.create(stored())
        var first = batch([ExecutionEvent(id: "1", type: .executionStarted, timestamp: Date(), description: "s")])
        first.tasks = [
            "a": TaskUpdate(outcome: .completed, result: 1, state: ["n": 1]),
            "b": TaskUpdate(outcome: .completed, result: 2, state: ["n": 2]),
        ]
        try await store.commit(first)
        var second = batch([])
        second.rewind = JournalBatch.Rewind(keeping: ["a"], states: ["a": ["n": 0]])
        second.tasks = ["c": TaskUpdate(outcome: .completed, result: 3)]
        try await store.commit(second)
        let point = try store.lastDurableState(of: "e1")
        #expect(point.completed == ["a": 1, "c": 3])
        #expect(point.taskStates["a"] == ["n": 0] && point.taskStates["b"] == nil)
    }

    @Test func claim_raisesTheRecordedDurability_neverLowersIt() throws {
        let path = temporaryStorePath()
        let store = try ExecutionStore(path: path, durability: .power)
        try store.create(stored())
        try store.release("e1")
        let reopened = try ExecutionStore(path: path)
        #expect(try reopened.claim("e1", durability: .process).durability == .power)
        #expect(reopened.durability == .power)
        #expect(try reopened.synchronousSetting() == 2)
    }

    @Test func claim_ofACompletedExecution_isRefused() async throws {
        let store = try ExecutionStore(path: temporaryStorePath())
        try store.create(stored())
        var final = batch([ExecutionEvent(id: "1", type: .executionCompleted, timestamp: Date(), description: "done")])
        final.status = .completed
        final.finalResult = ExecutionResult(
            executionId: "e1", planId: "p", status: .completed, startedAt: Date(), metrics: ExecutionMetrics())
        try await store.commit(final)
        do {
            try store.claim("e1")
            Issue.record("a completed execution was claimed")
        } catch {
            #expect(error.code == .state)
        }
    }
}
