import Foundation
import GRDB
public import TideCore

extension ExecutionStore {
    /// The execution's last durable state: what a resume starts from.
    public func lastDurableState(of id: String) throws(StoreError) -> ResumePoint {
        try read { db in
            var completed: [String: JSONValue] = [:]
            var skipped: Set<String> = []
            var states: [String: JSONValue] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT taskId, outcome, result, state FROM tasks WHERE executionId = ?", arguments: [id])
            {
                let taskId: String = row["taskId"]
                if (row["outcome"] as String?) == TaskOutcome.completed.rawValue {
                    completed[taskId] = JSONText.decode(row["result"]) ?? .null
                }
                if (row["outcome"] as String?) == TaskOutcome.skipped.rawValue { skipped.insert(taskId) }
                if let state = JSONText.decode(row["state"]) { states[taskId] = state }
            }
            // Each task's highest committed attempt, and the runs that died since the run that
            // started it: the next attempt is one more than their sum (ResumePoint.attemptFloor says
            // why that never repeats). Each resumed run's RECOVERY_INITIATED records the deaths
            // counted when it claimed the execution.
            let deaths = try Int.fetchOne(db, sql: "SELECT deaths FROM executions WHERE id = ?", arguments: [id]) ?? 0
            let runs = try Row.fetchAll(
                db,
                sql: "SELECT seq, coalesce(json_extract(data, '$.deaths'), 0) AS deaths FROM events "
                    + "WHERE executionId = ? AND type = 'RECOVERY_INITIATED' AND json_extract(data, '$.action') = 'RESUME' "
                    + "ORDER BY seq", arguments: [id]
            ).map { (seq: $0["seq"] as Int, deaths: $0["deaths"] as Int) }
            var attempts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT taskId, max(seq) AS lastStart, max(coalesce(json_extract(data, '$.attempt'), 1)) AS n "
                    + "FROM events WHERE executionId = ? AND type = 'TASK_STARTED' AND taskId IS NOT NULL "
                    + "GROUP BY taskId",
                arguments: [id])
            {
                guard let taskId = row["taskId"] as String? else { continue }
                let lastStart: Int = row["lastStart"]
                let before = runs.last { $0.seq < lastStart }?.deaths ?? 0
                attempts[taskId] = (row["n"] as Int? ?? 0) + max(0, deaths - before)
            }
            var recoveries: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT taskId, count(*) AS n FROM events WHERE executionId = ? AND type = 'RECOVERY_INITIATED' "
                    + "AND taskId IS NOT NULL AND json_extract(data, '$.strategyId') IS NOT NULL GROUP BY taskId",
                arguments: [id])
            {
                if let taskId = row["taskId"] as String? { recoveries[taskId] = row["n"] }
            }
            let variables =
                JSONText.decode(
                    try String.fetchOne(db, sql: "SELECT variables FROM executions WHERE id = ?", arguments: [id])
                )?.objectValue ?? [:]
            let lastEvent =
                try Int.fetchOne(db, sql: "SELECT max(seq) FROM events WHERE executionId = ?", arguments: [id]) ?? 0
            let lastMessage =
                try Int.fetchOne(db, sql: "SELECT max(seq) FROM messages WHERE executionId = ?", arguments: [id]) ?? 0
            let checkpoints = try Self.checkpoints(of: id, in: db)
            var point = ResumePoint(
                completed: completed, taskStates: states, attempts: attempts, variables: variables,
                lastEventSequence: lastEvent, messageCount: lastMessage, checkpoints: checkpoints)
            point.skipped = skipped
            // What task bodies added (their rows name a task), for the quotas to count on from.
            point.bodyEvents =
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM events WHERE executionId = ? AND type = 'CUSTOM' AND taskId IS NOT NULL",
                    arguments: [id]) ?? 0
            if let row = try Row.fetchOne(
                db,
                sql: "SELECT count(*) AS n, total(length(CAST(message AS BLOB))) AS bytes FROM messages "
                    + "WHERE executionId = ? AND taskId IS NOT NULL",
                arguments: [id])
            {
                point.bodyMessages = row["n"] ?? 0
                point.bodyLogBytes = Int(row["bytes"] as Double? ?? 0)
            }
            point.attemptFloor = deaths
            point.deaths = deaths
            point.recoveries = recoveries
            return point
        }
    }

    /// Rolls an execution's record back to a checkpoint, in one transaction, for `tide restore`:
    /// tasks not in `keeping` lose their outcome and result, every task's state and the variables
    /// become the checkpoint's; a later resume then starts from the checkpoint, not from what ran
    /// after it.
    public func rewind(
        _ id: String, keeping completed: Set<String>, states: [String: JSONValue], variables: [String: JSONValue]
    ) throws(StoreError) {
        try write { db in
            try Self.rewind(id, JournalBatch.Rewind(keeping: completed, states: states), in: db)
            try db.execute(
                sql: "UPDATE executions SET variables = ? WHERE id = ?", arguments: [JSONText.encode(variables), id])
        }
    }

    /// Applies a rollback to the `tasks` rows of an execution.
    static func rewind(_ id: String, _ rewind: JournalBatch.Rewind, in db: Database) throws {
        let taskIds = try String.fetchAll(db, sql: "SELECT taskId FROM tasks WHERE executionId = ?", arguments: [id])
        for taskId in taskIds {
            let state = rewind.states[taskId].map(JSONText.encode)
            if rewind.keeping.contains(taskId) {
                try db.execute(
                    sql: "UPDATE tasks SET state = ? WHERE executionId = ? AND taskId = ?",
                    arguments: [state, id, taskId])
            } else {
                try db.execute(
                    sql:
                        "UPDATE tasks SET outcome = NULL, result = NULL, state = ? WHERE executionId = ? AND taskId = ?",
                    arguments: [state, id, taskId])
            }
        }
    }

    /// The resume point of an execution with recorded events (``ExecutionJournal``); `nil` for one
    /// not in the store or with no events yet. The execution is claimed by this process first
    /// (``claim(_:durability:)``), so a process that another one owns is refused before anything runs.
    ///
    /// - Throws: ``StoreError`` if the execution completed or another live process owns it.
    public func resumePoint(of executionId: String) async throws -> ResumePoint? {
        let events = try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE executionId = ?", arguments: [executionId])
        }
        guard (events ?? 0) > 0 else { return nil }
        try claim(executionId)
        return try lastDurableState(of: executionId)
    }
}
