import Foundation
import Testing
import TideTesting

@testable import TideCore

/// Checkpoints kept as records of what changed: what a record holds, and that folding records
/// gives back every checkpoint whole, across restores to older checkpoints and long chains.
@Suite("Checkpoint records")
struct CheckpointRecordTests {
    static func checkpoint(
        _ id: String, completed: [String], states: [String: JSONValue], variables: [String: JSONValue] = [:]
    ) -> ExecutionCheckpoint {
        var results: [String: JSONValue] = [:]
        for task in completed { results[task] = .string("result of \(task)") }
        return ExecutionCheckpoint(
            id: id, executionId: "e", timestamp: Date(timeIntervalSince1970: 1000),
            state: ExecutionState(completedTasks: completed, taskStates: states, variables: variables),
            metadata: ["reason": "test", "results": .object(results)])
    }

    @Test func record_afterItsBase_holdsOnlyWhatChanged() {
        let first = Self.checkpoint("cp1", completed: ["a", "b"], states: ["a": 1, "b": 2], variables: ["x": 1])
        let second = Self.checkpoint(
            "cp2", completed: ["a", "b", "c"], states: ["a": 1, "b": 3, "c": 4], variables: ["x": 1])
        let record = CheckpointRecord(second, after: first, baseDepth: 0)
        #expect(record.base == "cp1")
        #expect(record.whole == nil)
        #expect(record.completedAdded == ["c"])
        #expect(record.results == ["c": "result of c"])
        #expect(record.statesChanged == ["b": 3, "c": 4])
        #expect(record.variables == nil)
        #expect(record.checkpoint(base: first) == second)
    }

    @Test func fold_acrossARestoreToAnOlderCheckpoint_givesEveryCheckpointBackWhole() {
        let cp1 = Self.checkpoint("cp1", completed: ["a"], states: ["a": 1])
        let cp2 = Self.checkpoint("cp2", completed: ["a", "b"], states: ["a": 1, "b": 2], variables: ["x": 2])
        // Restored to cp1, then another branch ran: "b" is no longer completed, its state gone.
        let cp3 = Self.checkpoint("cp3", completed: ["a", "c"], states: ["a": 5, "c": 3])
        let records = [
            CheckpointRecord(whole: cp1), CheckpointRecord(cp2, after: cp1, baseDepth: 0),
            CheckpointRecord(cp3, after: cp2, baseDepth: 1),
        ]
        #expect(records[2].completedRemoved == ["b"])
        #expect(records[2].statesRemoved == ["b"])
        #expect(CheckpointRecord.fold(records) == [cp1, cp2, cp3])
    }

    @Test func record_whenTheChainIsLong_isWholeAgain() {
        let base = Self.checkpoint("cp1", completed: ["a"], states: [:])
        let next = Self.checkpoint("cp2", completed: ["a", "b"], states: [:])
        #expect(CheckpointRecord(next, after: base, baseDepth: CheckpointRecord.wholeEvery - 1).whole == next)
    }

    @Test func fold_whenABaseIsMissing_leavesTheOrphanOut() {
        let cp1 = Self.checkpoint("cp1", completed: ["a"], states: [:])
        let cp2 = Self.checkpoint("cp2", completed: ["a", "b"], states: [:])
        #expect(CheckpointRecord.fold([CheckpointRecord(cp2, after: cp1, baseDepth: 0)]).isEmpty)
    }

    @Test func engine_checkpointingEveryTask_keepsRecords_andGivesBackWholeCheckpointsThatAgree() async throws {
        let engine = DefaultExecutionEngine(
            configuration: EngineConfiguration(checkpointPolicy: CheckpointPolicy(everyTasks: 1)))
        let restored = Counter()
        engine.addRecoveryStrategy(
            ScriptedStrategy(id: "restore", applicableErrors: ["CORRUPT"]) { _ in
                RecoveryResult(success: true, action: .checkpointRestore, message: "roll back")
            })
        let count = 3 * CheckpointRecord.wholeEvery
        let tasks = (1...count).map { index in
            PlanTask(id: "t\(index)", dependencies: index == 1 ? [] : ["t\(index - 1)"]) { ctx in
                await ctx.setState(["step": .int(index)])
                await ctx.setVariable("last", .int(index))
                if index == 50, await restored.increment("t50") == 1 {
                    throw ExecutionError(code: "CORRUPT", message: "roll back once")
                }
                return .string("r\(index)")
            }
        }
        let id = try await engine.start(ExecutionPlan(id: "chain", tasks: tasks))
        let result = try await engine.result(of: id)
        #expect(result.status == .completed)
        let checkpoints = try await engine.checkpoints(of: id)
        #expect(checkpoints.count == count)
        for checkpoint in checkpoints {
            let completed = checkpoint.state.completedTasks
            let n = completed.count
            #expect(completed == (1...max(n, 1)).prefix(n).map { "t\($0)" }, "\(checkpoint.id)")
            let results = checkpoint.metadata["results"]?.objectValue ?? [:]
            #expect(results.count == n && results["t\(n)"] == .string("r\(n)"), "\(checkpoint.id)")
            #expect(checkpoint.state.taskStates["t\(n)"] == ["step": .int(n)], "\(checkpoint.id)")
            #expect(checkpoint.state.variables["last"] == .int(n), "\(checkpoint.id)")
        }
        #expect(await restored.values["t50"] == 2)
    }
}
