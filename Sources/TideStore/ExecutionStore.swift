public import Foundation
import GRDB
public import TideCore

/// Executions, their timelines, checkpoints and history in one SQLite file (WAL mode).
///
/// The store is the engine's ``ExecutionJournal``: each commit writes a batch of events, messages,
/// task results and states, variables, checkpoints and resource usage in one transaction. Readers
/// in other processes (`tide list`, `tide logs --follow`) see every committed transaction and never
/// block the writer. A killed process leaves the file consistent: SQLite's WAL either has a commit
/// whole or not at all.
///
/// ```swift
/// let store = try ExecutionStore(path: ".tide/tide.db")
/// try await store.create(StoredExecution(id: id, planId: plan.id, …))
/// let engine = DefaultExecutionEngine(journal: store)
/// ```
public final class ExecutionStore: ExecutionJournal, Sendable {
    /// The database file.
    public let path: String
    /// What a commit survives.
    public let durability: Durability
    let database: DatabaseQueue

    /// The store file Tide uses for a plan: `.tide/tide.db` in the plan's folder.
    public static func defaultPath(forPlanAt planFile: String) -> String {
        URL(fileURLWithPath: planFile).deletingLastPathComponent().appendingPathComponent(".tide/tide.db").path
    }

    /// Opens (or creates) a store and brings its schema up to date.
    ///
    /// - Throws: ``StoreError`` for a file that is not a Tide database, is corrupt, was written by a
    ///   newer Tide, is locked, or cannot be created; the file is left as it was.
    public convenience init(path: String, durability: Durability = .process) throws(StoreError) {
        try self.init(path: path, durability: durability, busyTimeout: 10, maxPageCount: nil)
    }

    /// Opens a store with a lock wait and a size cap of its own (tests use them to provoke a locked
    /// database and a full disk).
    package init(path: String, durability: Durability, busyTimeout: Double, maxPageCount: Int?) throws(StoreError) {
        self.path = path
        self.durability = durability
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError("cannot create the folder '\(folder.path)' for the store: \(error.localizedDescription)")
        }
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        let synchronous = durability == .power ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            if let maxPageCount { try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)") }
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in try Self.checkIsTideDatabase(db, path: path) }
            try StoreSchema.migrator.migrate(database)
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    private static func checkIsTideDatabase(_ db: Database, path: String) throws {
        let migrator = StoreSchema.migrator
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        if !tables.isEmpty && !tables.contains("grdb_migrations") {
            throw StoreError(
                "'\(path)' is an SQLite database that Tide did not create (it has the tables "
                    + "\(tables.prefix(5).joined(separator: ", "))): give another file with --db, or move it away")
        }
        if tables.contains("grdb_migrations"), try migrator.hasBeenSuperseded(db) {
            throw StoreError(
                "'\(path)' was written by a newer version of Tide (its schema has changes this version does not "
                    + "know): use that version, or another file with --db")
        }
    }

    /// Turns a database error into words a user can act on.
    static func describe(_ error: any Error, path: String) -> StoreError {
        guard let error = error as? DatabaseError else { return StoreError("the store '\(path)' failed: \(error)") }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StoreError(
                "'\(path)' is not a Tide database or is damaged (\(error.message ?? "file is not a database")): "
                    + "give another file with --db, or move it away; Tide changed nothing in it")
        case .SQLITE_FULL:
            return StoreError("the disk holding '\(path)' is full: free some space; nothing was half-written")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError("'\(path)' is locked by another process that holds a long write; try again")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
            return StoreError("cannot open '\(path)' for writing (\(error.message ?? "permission denied"))")
        default:
            return StoreError("the store '\(path)' failed: \(error.message ?? "\(error)")")
        }
    }

    /// Runs a read, turning database errors into ``StoreError``.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    /// Runs a write transaction, turning database errors into ``StoreError``.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.write(body)
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    // MARK: - Journal

    /// Writes a batch in one transaction.
    public func commit(_ batch: JournalBatch) async throws {
        do {
            try await database.write { db in try Self.apply(batch, to: db) }
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    private static func apply(_ batch: JournalBatch, to db: Database) throws {
        let id = batch.executionId
        if !batch.events.isEmpty {
            let insert = try db.cachedStatement(
                sql: "INSERT INTO events (executionId, seq, type, timestamp, taskId, description, data) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)")
            for event in batch.events {
                try insert.execute(arguments: [
                    id, Int(event.id) ?? 0, event.type.rawValue, event.timestamp.timeIntervalSince1970, event.taskId,
                    event.description, event.data.map(JSONText.encode),
                ])
            }
        }
        if !batch.messages.isEmpty {
            let insert = try db.cachedStatement(
                sql: "INSERT INTO messages (executionId, seq, level, timestamp, taskId, message, context) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)")
            for (sequence, message) in batch.messages {
                try insert.execute(arguments: [
                    id, sequence, message.level.rawValue, message.timestamp.timeIntervalSince1970, message.taskId,
                    message.message, message.context.map(JSONText.encode),
                ])
            }
        }
        if !batch.tasks.isEmpty {
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO tasks (executionId, taskId, outcome, result, state) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (executionId, taskId) DO UPDATE SET
                      outcome = coalesce(excluded.outcome, outcome),
                      result = coalesce(excluded.result, result),
                      state = coalesce(excluded.state, state)
                    """)
            for (taskId, update) in batch.tasks {
                try upsert.execute(arguments: [
                    id, taskId, update.outcome?.rawValue, update.result.map(JSONText.encode),
                    update.state.map(JSONText.encode),
                ])
            }
        }
        for checkpoint in batch.checkpoints {
            try db.execute(
                sql: "INSERT OR REPLACE INTO checkpoints (id, executionId, timestamp, body) VALUES (?, ?, ?, ?)",
                arguments: [
                    checkpoint.id, id, checkpoint.timestamp.timeIntervalSince1970,
                    JSONText.encode(codable: checkpoint) ?? "{}",
                ])
        }
        for usage in batch.resourceUsage {
            try db.execute(
                sql: "INSERT INTO resource_usage (executionId, body) VALUES (?, ?)",
                arguments: [id, JSONText.encode(codable: usage) ?? "{}"])
        }
        let now = Date().timeIntervalSince1970
        if let variables = batch.variables {
            try db.execute(
                sql: "UPDATE executions SET variables = ? WHERE id = ?", arguments: [JSONText.encode(variables), id])
        }
        if let final = batch.finalResult {
            try db.execute(
                sql: "UPDATE executions SET status = ?, updatedAt = ?, completedAt = ?, result = ? WHERE id = ?",
                arguments: [
                    final.status.rawValue, now, (final.completedAt ?? Date()).timeIntervalSince1970,
                    JSONText.encode(codable: final), id,
                ])
        } else if batch.statusChanged {
            try db.execute(
                sql: "UPDATE executions SET status = ?, updatedAt = ? WHERE id = ?",
                arguments: [batch.status.rawValue, now, id])
        }
    }

    // MARK: - Executions

    /// Records a new execution (before the engine starts it).
    ///
    /// - Throws: ``StoreError`` if the id exists or the write fails.
    public func create(_ execution: StoredExecution) throws(StoreError) {
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM executions WHERE id = ?", arguments: [execution.id]) == true {
                throw StoreError("an execution with id '\(execution.id)' is already in '\(path)'")
            }
            try db.execute(
                sql: """
                    INSERT INTO executions (id, planId, planName, planFile, planSource, planHash, status, totalTasks,
                      createdAt, updatedAt, pid, heartbeatAt, variables)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    execution.id, execution.planId, execution.planName, execution.planFile, execution.planSource,
                    execution.planHash, execution.status.rawValue, execution.totalTasks,
                    execution.createdAt.timeIntervalSince1970, execution.updatedAt.timeIntervalSince1970,
                    execution.pid, execution.heartbeatAt?.timeIntervalSince1970, JSONText.encode(execution.variables),
                ])
        }
    }

    /// Marks an execution as run by process `pid` now (before a resume), clearing its final result.
    public func claim(_ id: String, pid: Int) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE executions SET pid = ?, heartbeatAt = ?, completedAt = NULL, result = NULL WHERE id = ?",
                arguments: [pid, Date().timeIntervalSince1970, id])
        }
    }

    /// The running process's sign of life, written every second.
    public func heartbeat(_ id: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE executions SET heartbeatAt = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince1970, id])
        }
    }

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
            throw StoreError("no execution '\(idOrPrefix)' in '\(path)' (tide list shows the recent ones)")
        }
        guard rows.count == 1 else {
            let ids = rows.map { ($0["id"] as String?) ?? "" }.joined(separator: ", ")
            throw StoreError("'\(idOrPrefix)' matches several executions (\(ids)…): give more of the id")
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

    private static func execution(from row: Row) -> StoredExecution {
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
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT body FROM checkpoints WHERE executionId = ? ORDER BY timestamp, rowid", arguments: [id]
            ).compactMap { JSONText.decode(ExecutionCheckpoint.self, from: $0) }
        }
    }

    /// A checkpoint by id.
    ///
    /// - Throws: ``StoreError`` if there is none.
    public func checkpoint(_ checkpointId: String) throws(StoreError) -> ExecutionCheckpoint {
        let body = try read { db in
            try String.fetchOne(db, sql: "SELECT body FROM checkpoints WHERE id = ?", arguments: [checkpointId])
        }
        guard let checkpoint = JSONText.decode(ExecutionCheckpoint.self, from: body) else {
            throw StoreError("no checkpoint '\(checkpointId)' in '\(path)' (tide checkpoints ID lists them)")
        }
        return checkpoint
    }

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
            var attempts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT taskId, count(*) AS n FROM events WHERE executionId = ? AND type = 'TASK_STARTED' "
                    + "GROUP BY taskId", arguments: [id])
            {
                if let taskId = row["taskId"] as String? { attempts[taskId] = row["n"] }
            }
            let variables =
                JSONText.decode(
                    try String.fetchOne(db, sql: "SELECT variables FROM executions WHERE id = ?", arguments: [id])
                )?.objectValue ?? [:]
            let lastEvent =
                try Int.fetchOne(db, sql: "SELECT max(seq) FROM events WHERE executionId = ?", arguments: [id]) ?? 0
            let lastMessage =
                try Int.fetchOne(db, sql: "SELECT max(seq) FROM messages WHERE executionId = ?", arguments: [id]) ?? 0
            let checkpoints = try String.fetchAll(
                db, sql: "SELECT body FROM checkpoints WHERE executionId = ? ORDER BY timestamp, rowid", arguments: [id]
            ).compactMap { JSONText.decode(ExecutionCheckpoint.self, from: $0) }
            var point = ResumePoint(
                completed: completed, taskStates: states, attempts: attempts, variables: variables,
                lastEventSequence: lastEvent, messageCount: lastMessage, checkpoints: checkpoints)
            point.skipped = skipped
            return point
        }
    }

    /// Forgets the outcomes of tasks not in `keeping` and sets the task states, for a restore:
    /// a later resume then starts from the checkpoint, not from what ran after it.
    public func rewind(_ id: String, keeping completed: Set<String>, states: [String: JSONValue]) throws(StoreError) {
        try write { db in
            let taskIds = try String.fetchAll(
                db, sql: "SELECT taskId FROM tasks WHERE executionId = ?", arguments: [id])
            for taskId in taskIds where !completed.contains(taskId) {
                try db.execute(
                    sql:
                        "UPDATE tasks SET outcome = NULL, result = NULL, state = ? WHERE executionId = ? AND taskId = ?",
                    arguments: [states[taskId].map(JSONText.encode), id, taskId])
            }
        }
    }

    /// The resume point of an execution with recorded events (``ExecutionJournal``); `nil` for one
    /// not in the store or with no events yet. The execution is marked as run by this process.
    ///
    /// - Throws: ``StoreError`` if the execution completed.
    public func resumePoint(of executionId: String) async throws -> ResumePoint? {
        let known = try read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT status, (SELECT count(*) FROM events WHERE executionId = ?) AS events "
                    + "FROM executions WHERE id = ?", arguments: [executionId, executionId])
        }
        guard let known, (known["events"] as Int? ?? 0) > 0 else { return nil }
        if (known["status"] as String?) == ExecutionStatus.completed.rawValue {
            throw StoreError("execution '\(executionId)' completed; there is nothing to resume")
        }
        try claim(executionId, pid: Int(ProcessInfo.processInfo.processIdentifier))
        return try lastDurableState(of: executionId)
    }

    // MARK: - Control from other processes

    /// Asks the process running an execution to `pause`, `resume` or `cancel` it; returns the request's id.
    public func requestControl(_ id: String, _ command: String) throws(StoreError) -> Int {
        try write { db in
            try db.execute(
                sql: "INSERT INTO controls (executionId, command, requestedAt) VALUES (?, ?, ?)",
                arguments: [id, command, Date().timeIntervalSince1970])
            return Int(db.lastInsertedRowID)
        }
    }

    /// Requests not yet applied for an execution, oldest first.
    public func pendingControls(_ id: String) throws(StoreError) -> [(id: Int, command: String)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, command FROM controls WHERE executionId = ? AND appliedAt IS NULL ORDER BY id",
                arguments: [id]
            ).map { ($0["id"], $0["command"]) }
        }
    }

    /// Records how a request was handled (`"ok"` or the error).
    public func markApplied(_ controlId: Int, outcome: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE controls SET appliedAt = ?, outcome = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince1970, outcome, controlId])
        }
    }

    /// How a request was handled, once it was.
    public func controlOutcome(_ controlId: Int) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT outcome FROM controls WHERE id = ? AND appliedAt IS NOT NULL",
                arguments: [controlId])
        }
    }

    // MARK: - Housekeeping

    /// Deletes executions that ended before `date`, with their timelines; returns how many.
    public func prune(endedBefore date: Date) throws(StoreError) -> Int {
        try write { db in
            try db.execute(
                sql: "DELETE FROM executions WHERE completedAt IS NOT NULL AND completedAt < ? AND status IN "
                    + "('COMPLETED', 'FAILED', 'CANCELLED')",
                arguments: [date.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// SQLite's `PRAGMA integrity_check`: `"ok"` for a sound file.
    public func integrityCheck() throws(StoreError) -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }
}

extension JSONValue {
    /// The fields of an object.
    var objectValue: [String: JSONValue]? {
        if case .object(let fields) = self { return fields }
        return nil
    }
}
