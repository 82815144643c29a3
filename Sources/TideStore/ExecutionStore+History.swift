import Foundation
import GRDB
public import TideCore

extension ExecutionStore {
    /// The execution with this id, or with an id that starts with it (when only one does).
    ///
    /// - Throws: ``StoreError`` if none or several match.
    public func execution(matching idOrPrefix: String) throws(StoreError) -> StoredExecution {
        let rows = try read { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM executions WHERE id = ?", arguments: [idOrPrefix]) {
                return [row]
            }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM executions WHERE id LIKE ? ESCAPE '\\' LIMIT 5",
                arguments: [Self.likePrefix(idOrPrefix)])
        }
        guard let row = rows.first else {
            throw StoreError(.notFound, "no execution '\(idOrPrefix)' in '\(path)' (tide list shows the recent ones)")
        }
        guard rows.count == 1 else {
            let ids = rows.map { ($0["id"] as String?) ?? "" }.joined(separator: ", ")
            throw StoreError(.notFound, "'\(idOrPrefix)' matches several executions (\(ids)…): give more of the id")
        }
        return Self.execution(from: row)
    }

    /// The most recent executions, newest first.
    public func recentExecutions(limit: Int = 20) throws(StoreError) -> [StoredExecution] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM executions ORDER BY createdAt DESC LIMIT ?", arguments: [limit]
            ).map(Self.execution(from:))
        }
    }

    private static func likePrefix(_ prefix: String) -> String {
        prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    static func execution(from row: Row) -> StoredExecution {
        var execution = StoredExecution(
            id: row["id"], planId: row["planId"], planName: row["planName"], planFile: row["planFile"],
            planSource: row["planSource"], totalTasks: row["totalTasks"],
            variables: JSONText.decode(row["variables"])?.objectValue ?? [:],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]), pid: row["pid"])
        execution.planHash = row["planHash"]
        execution.status = ExecutionStatus(rawValue: row["status"]) ?? .pending
        execution.updatedAt = Date(timeIntervalSince1970: row["updatedAt"])
        execution.completedAt = (row["completedAt"] as Double?).map(Date.init(timeIntervalSince1970:))
        execution.heartbeatAt = (row["heartbeatAt"] as Double?).map(Date.init(timeIntervalSince1970:))
        execution.result = JSONText.decode(ExecutionResult.self, from: row["result"])
        if (row["ownerToken"] as String?) != nil, let pid = execution.pid {
            execution.owner = ProcessIdentity(pid: pid, host: row["host"] ?? "", start: row["processStart"])
        }
        execution.claimedAt = (row["claimedAt"] as Double?).map(Date.init(timeIntervalSince1970:))
        execution.incarnation = row["incarnation"] ?? 1
        execution.deaths = row["deaths"] ?? 0
        execution.durability = Durability(rawValue: row["durability"] ?? "") ?? .process
        execution.limits = JSONText.decode(ExecutionLimits.self, from: row["limits"])
        return execution
    }

    // MARK: - Timeline

    /// The events of an execution after sequence number `sequence`, in order.
    public func events(of id: String, after sequence: Int = 0, limit: Int = .max) throws(StoreError)
        -> [ExecutionEvent]
    {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE executionId = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [id, sequence, min(limit, Int(Int32.max))]
            ).map { row in
                ExecutionEvent(
                    id: String(row["seq"] as Int), type: ExecutionEventType(rawValue: row["type"]) ?? .custom,
                    timestamp: Date(timeIntervalSince1970: row["timestamp"]), taskId: row["taskId"],
                    description: row["description"], data: JSONText.decode(row["data"]))
            }
        }
    }

    /// The messages of an execution after sequence number `sequence`, with their sequence numbers.
    public func messages(of id: String, after sequence: Int = 0) throws(StoreError)
        -> [(sequence: Int, message: ExecutionMessage)]
    {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM messages WHERE executionId = ? AND seq > ? ORDER BY seq",
                arguments: [id, sequence]
            ).map { row in
                (
                    row["seq"],
                    ExecutionMessage(
                        level: MessageLevel(rawValue: row["level"]) ?? .info, message: row["message"],
                        timestamp: Date(timeIntervalSince1970: row["timestamp"]), taskId: row["taskId"],
                        context: JSONText.decode(row["context"])?.objectValue)
                )
            }
        }
    }

    /// Resource usage recorded for an execution.
    public func resourceUsage(of id: String) throws(StoreError) -> [ResourceUsage] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT body FROM resource_usage WHERE executionId = ? ORDER BY id", arguments: [id]
            ).compactMap { JSONText.decode(ResourceUsage.self, from: $0) }
        }
    }

    /// How each task stands: its outcome, if it ended.
    public func taskOutcomes(of id: String) throws(StoreError) -> [String: TaskOutcome] {
        try read { db in
            var outcomes: [String: TaskOutcome] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT taskId, outcome FROM tasks WHERE executionId = ? AND outcome IS NOT NULL",
                arguments: [id])
            {
                if let outcome = TaskOutcome(rawValue: row["outcome"]) { outcomes[row["taskId"]] = outcome }
            }
            return outcomes
        }
    }

    // MARK: - Checkpoints and resume

    /// The checkpoints of an execution, oldest first.
    public func checkpoints(of id: String) throws(StoreError) -> [ExecutionCheckpoint] {
        try read { db in try Self.checkpoints(of: id, in: db) }
    }

    /// A checkpoint by id.
    ///
    /// - Throws: ``StoreError`` if there is none.
    public func checkpoint(_ checkpointId: String) throws(StoreError) -> ExecutionCheckpoint {
        let checkpoint = try read { db -> ExecutionCheckpoint? in
            guard
                let executionId = try String.fetchOne(
                    db, sql: "SELECT executionId FROM checkpoints WHERE id = ?", arguments: [checkpointId])
            else { return nil }
            return try Self.checkpoints(of: executionId, in: db).first { $0.id == checkpointId }
        }
        guard let checkpoint else {
            throw StoreError(.notFound, "no checkpoint '\(checkpointId)' in '\(path)' (tide checkpoints ID lists them)")
        }
        return checkpoint
    }

    /// The checkpoints of an execution in whole form, oldest first (deltas folded onto their bases).
    static func checkpoints(of id: String, in db: Database) throws -> [ExecutionCheckpoint] {
        let bodies = try String.fetchAll(
            db, sql: "SELECT body FROM checkpoints WHERE executionId = ? ORDER BY rowid", arguments: [id])
        let records = bodies.compactMap { body in
            JSONText.decode(CheckpointRecord.self, from: body)
                // Written whole by a Tide from before checkpoints were kept as records.
                ?? JSONText.decode(ExecutionCheckpoint.self, from: body).map(CheckpointRecord.init(whole:))
        }
        return CheckpointRecord.fold(records)
    }
}

extension ExecutionStore {
    /// The child processes of an execution's attempts not known to be gone, oldest first.
    public func liveChildren(of id: String) throws(StoreError) -> [ChildProcess] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM children WHERE executionId = ? AND endedAt IS NULL ORDER BY startedAt",
                arguments: [id]
            ).map { row in
                ChildProcess(
                    taskId: row["taskId"], attempt: row["attempt"], host: row["host"],
                    identity: ChildProcess.Identity(
                        pid: row["pid"], processGroup: row["processGroup"], startTime: row["startTime"],
                        guarded: row["guarded"]),
                    startedAt: Date(timeIntervalSince1970: row["startedAt"]))
            }
        }
    }

    /// Marks the children of an execution on `host` as gone (after the next owner swept them).
    public func childrenSwept(of id: String, host: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE children SET endedAt = ? WHERE executionId = ? AND host = ? AND endedAt IS NULL",
                arguments: [Date().timeIntervalSince1970, id, host])
        }
    }
}
