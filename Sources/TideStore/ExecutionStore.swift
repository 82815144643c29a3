import Foundation
import GRDB
import Synchronization
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
    let database: DatabaseQueue
    /// The executions this process owns, with the token their rows carry (the fence of each commit).
    let tokens = Mutex<[String: String]>([:])
    private let level: Mutex<Durability>

    /// What a commit survives (``Durability``); checked against SQLite when set.
    public var durability: Durability { level.withLock { $0 } }

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
        self.level = Mutex(durability)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(
                .unwritable, "cannot create the folder '\(folder.path)' for the store: \(error.localizedDescription)")
        }
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        // GRDB begins every write transaction IMMEDIATE: it takes the database's lock before it
        // reads, so a transaction that reads and then writes (a claim) is one step across processes.
        configuration.prepareDatabase { db in
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
        try setDurability(durability)
    }

    /// Sets what a commit survives, and reads it back from SQLite.
    ///
    /// GRDB sets `synchronous = NORMAL` when it opens a WAL database, after any preparation a
    /// configuration can do, so the level is set here, on the open connection (a queue has one).
    ///
    /// - Throws: ``StoreError`` if SQLite does not take the level.
    public func setDurability(_ durability: Durability) throws(StoreError) {
        let expected = durability == .power ? 2 : 1  // FULL, NORMAL
        let actual: Int?
        do {
            actual = try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(expected)")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
        } catch {
            throw Self.describe(error, path: path)
        }
        guard actual == expected else {
            throw StoreError(
                .unwritable,
                "SQLite did not take durability \(durability.rawValue) for '\(path)' "
                    + "(PRAGMA synchronous is \(actual.map(String.init) ?? "unknown"), \(expected) expected)")
        }
        level.withLock { $0 = durability }
    }

    /// SQLite's `PRAGMA synchronous` on the store's connection: 1 (NORMAL) or 2 (FULL).
    public func synchronousSetting() throws(StoreError) -> Int {
        do {
            return try database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
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
                .unwritable,
                "'\(path)' is an SQLite database that Tide did not create (it has the tables "
                    + "\(tables.prefix(5).joined(separator: ", "))): give another file with --db, or move it away")
        }
        if tables.contains("grdb_migrations"), try migrator.hasBeenSuperseded(db) {
            throw StoreError(
                .unwritable,
                "'\(path)' was written by a newer version of Tide (its schema has changes this version does not "
                    + "know): use that version, or another file with --db")
        }
    }

    /// Turns a database error into words a user can act on.
    static func describe(_ error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else { return StoreError("the store '\(path)' failed: \(error)") }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StoreError(
                .unwritable,
                "'\(path)' is not a Tide database or is damaged (\(error.message ?? "file is not a database")): "
                    + "give another file with --db, or move it away; Tide changed nothing in it")
        case .SQLITE_FULL:
            return StoreError(
                .unwritable, "the disk holding '\(path)' is full: free some space; nothing was half-written")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.unwritable, "'\(path)' is locked by another process that holds a long write; try again")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
            return StoreError(
                .unwritable, "cannot open '\(path)' for writing (\(error.message ?? "permission denied"))")
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
            try commitNow(batch)
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    /// Writes the batch on the calling thread. The engine runs one commit at a time, so this holds
    /// one thread of the pool for the transaction; handing it to GRDB's queue and back costs two
    /// thread wake-ups per commit, which on a chain of tasks was most of the commit's cost.
    private func commitNow(_ batch: JournalBatch) throws {
        try database.write { db in try apply(batch, to: db) }
    }

    private func apply(_ batch: JournalBatch, to db: Database) throws {
        let id = batch.executionId
        try checkOwnership(id, db)
        if let rewind = batch.rewind { try Self.rewind(id, rewind, in: db) }
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
        for record in batch.checkpoints {
            // A record of what changed since the checkpoint before it (the engine's CheckpointRecord).
            try db.execute(
                sql: "INSERT OR REPLACE INTO checkpoints (id, executionId, timestamp, body) VALUES (?, ?, ?, ?)",
                arguments: [
                    record.id, id, record.timestamp.timeIntervalSince1970, JSONText.encode(codable: record) ?? "{}",
                ])
        }
        for child in batch.children {
            let identity = child.identity
            try db.execute(
                sql: """
                    INSERT INTO children (executionId, taskId, attempt, host, pid, processGroup, startTime, guarded,
                      startedAt, endedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (executionId, host, pid, startTime) DO UPDATE SET endedAt = coalesce(excluded.endedAt, endedAt)
                    """,
                arguments: [
                    id, child.taskId, child.attempt, child.host, identity.pid, identity.processGroup,
                    identity.startTime,
                    identity.guarded, child.startedAt.timeIntervalSince1970,
                    child.ended ? Date().timeIntervalSince1970 : nil,
                ])
        }
        for usage in batch.resourceUsage {
            try db.execute(
                sql: "INSERT INTO resource_usage (executionId, body) VALUES (?, ?)",
                arguments: [id, JSONText.encode(codable: usage) ?? "{}"])
        }
        if let variables = batch.variables {
            try db.execute(
                sql: "UPDATE executions SET variables = ? WHERE id = ?", arguments: [JSONText.encode(variables), id])
        }
        let now = Date().timeIntervalSince1970
        if let final = batch.finalResult {
            try db.execute(
                sql: "UPDATE executions SET status = ?, updatedAt = ?, heartbeatAt = ?, completedAt = ?, result = ? "
                    + "WHERE id = ?",
                arguments: [
                    final.status.rawValue, now, now, (final.completedAt ?? Date()).timeIntervalSince1970,
                    JSONText.encode(codable: final), id,
                ])
        } else if batch.statusChanged {
            try db.execute(
                sql: "UPDATE executions SET status = ?, updatedAt = ?, heartbeatAt = ? WHERE id = ?",
                arguments: [batch.status.rawValue, now, now, id])
        }
    }
}
