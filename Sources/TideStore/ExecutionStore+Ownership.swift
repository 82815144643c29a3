import Foundation
import GRDB
import Synchronization
import TideCore

/// What claiming an execution gave this process.
public struct ExecutionClaim: Sendable, Hashable {
    /// How many processes have run the execution, this one included (1 for the one that started it).
    public var incarnation: Int
    /// How many of the earlier ones stopped without committing a final status (killed, or a failed
    /// commit): each may have left one uncommitted attempt per task (``ResumePoint/attemptFloor``).
    public var deaths: Int
    /// The durability it runs at from now on: the recorded level, raised by the request.
    public var durability: Durability
}

extension ExecutionStore {
    // MARK: - Ownership

    /// Records a new execution, owned by this process (before the engine starts it).
    ///
    /// - Throws: ``StoreError`` if the id exists or the write fails.
    public func create(_ execution: StoredExecution) throws(StoreError) {
        let token = UUID().uuidString
        let me = ProcessIdentity.current
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM executions WHERE id = ?", arguments: [execution.id]) == true {
                throw StoreError(.state, "an execution with id '\(execution.id)' is already in '\(path)'")
            }
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: """
                    INSERT INTO executions (id, planId, planName, planFile, planSource, planHash, status, totalTasks,
                      createdAt, updatedAt, pid, heartbeatAt, variables, host, processStart, claimedAt, ownerToken,
                      incarnation, durability, limits)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                    """,
                arguments: [
                    execution.id, execution.planId, execution.planName, execution.planFile, execution.planSource,
                    execution.planHash, execution.status.rawValue, execution.totalTasks,
                    execution.createdAt.timeIntervalSince1970, execution.updatedAt.timeIntervalSince1970,
                    me.pid, now, JSONText.encode(execution.variables), me.host, me.start, now, token,
                    durability.rawValue, execution.limits.flatMap { JSONText.encode(codable: $0) },
                ])
        }
        tokens.withLock { $0[execution.id] = token }
    }

    /// Makes this process the owner of an execution, in one step that checks and claims together
    /// (a write transaction that takes the database's lock before it reads): of two processes
    /// claiming at once, exactly one wins, and the other is refused having changed nothing.
    ///
    /// The owner is live — and the claim refused — while its process runs, whatever the status
    /// (``StoredExecution/isLive(at:)``: on this host its pid and start time; on another, a
    /// heartbeat younger than 5 s). The claim counts an incarnation, and a death if the previous
    /// owner never gave the execution up; it clears the final result of a failed or cancelled
    /// execution, and records the durability: the level recorded before, raised (never lowered)
    /// by `requested`.
    ///
    /// - Throws: ``StoreError`` `OWNED_BY_ANOTHER_PROCESS` naming the owner, `EXECUTION_STATE` for a
    ///   completed execution, `NOT_FOUND`, or a write failure.
    @discardableResult
    public func claim(_ id: String, durability requested: Durability? = nil) throws(StoreError) -> ExecutionClaim {
        let token = UUID().uuidString
        let me = ProcessIdentity.current
        let claim = try write { db -> ExecutionClaim in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM executions WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no execution '\(id)' in '\(path)' (tide list shows the recent ones)")
            }
            let execution = Self.execution(from: row)
            if execution.status == .completed {
                throw StoreError(.state, "execution \(id) completed; there is nothing to resume")
            }
            if let owner = execution.owner, owner != me, execution.isLive() {
                throw Self.ownedError(execution, owner: owner)
            }
            let level = max(execution.durability, requested ?? execution.durability)
            // A run that ends gives up ownership (release); one that still holds it died: it may
            // have started attempts whose starts were never committed.
            let deaths = execution.deaths + (execution.owner == nil ? 0 : 1)
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: """
                    UPDATE executions SET pid = ?, host = ?, processStart = ?, claimedAt = ?, heartbeatAt = ?,
                      ownerToken = ?, incarnation = incarnation + 1, deaths = ?, durability = ?, completedAt = NULL,
                      result = NULL
                    WHERE id = ?
                    """,
                arguments: [me.pid, me.host, me.start, now, now, token, deaths, level.rawValue, id])
            return ExecutionClaim(incarnation: execution.incarnation + 1, deaths: deaths, durability: level)
        }
        tokens.withLock { $0[id] = token }
        if claim.durability > durability { try setDurability(claim.durability) }
        return claim
    }

    /// Gives up this process's ownership of an execution (at the end of a run, whatever the
    /// outcome), so that another process may claim it at once; a run that never gives it up counts
    /// as a death at the next claim. Its last heartbeat stays: how long it last ran.
    public func release(_ id: String) throws(StoreError) {
        guard let token = tokens.withLock({ $0.removeValue(forKey: id) }) else { return }
        try write { db in
            try db.execute(
                sql: "UPDATE executions SET ownerToken = NULL, heartbeatAt = ? WHERE id = ? AND ownerToken = ?",
                arguments: [Date().timeIntervalSince1970, id, token])
        }
    }

    /// The running process's sign of life, written every second.
    ///
    /// - Throws: ``StoreError`` `LOST_OWNERSHIP` if another process claimed the execution.
    public func heartbeat(_ id: String) throws(StoreError) {
        let token = tokens.withLock { $0[id] }
        try write { db in
            try db.execute(
                sql: "UPDATE executions SET heartbeatAt = ? WHERE id = ? AND ownerToken IS ?",
                arguments: [Date().timeIntervalSince1970, id, token])
            if db.changesCount == 0 { throw try Self.lostOwnership(id, db) }
        }
    }

    /// Whether this process still owns the execution (its token is the row's).
    public func owns(_ id: String) throws(StoreError) -> Bool {
        guard let token = tokens.withLock({ $0[id] }) else { return false }
        return try read { db in
            try String.fetchOne(db, sql: "SELECT ownerToken FROM executions WHERE id = ?", arguments: [id]) == token
        }
    }

    /// The fence of every commit: this process must still own the execution. A read, inside the
    /// commit's immediate transaction (which holds the write lock from its start), so no claim can
    /// come between the check and the writes; it dirties no page, which an fsync per commit pays for.
    func checkOwnership(_ id: String, _ db: Database) throws {
        guard let token = tokens.withLock({ $0[id] }) else {
            throw StoreError(
                .lostOwnership,
                "this process has not claimed execution \(id): create it (ExecutionStore.create) or claim it first")
        }
        let owner = try String.fetchOne(
            db.cachedStatement(sql: "SELECT ownerToken FROM executions WHERE id = ?"), arguments: [id])
        if owner != token { throw try Self.lostOwnership(id, db) }
    }

    private static func lostOwnership(_ id: String, _ db: Database) throws -> StoreError {
        let owner = try Row.fetchOne(db, sql: "SELECT * FROM executions WHERE id = ?", arguments: [id])
            .map(execution(from:))
        let who = owner?.owner.map { "process \($0.pid) on \($0.host)" } ?? "no process"
        return StoreError(
            .lostOwnership,
            "execution \(id) is now owned by \(who), not this process: this process stopped running it")
    }

    static func ownedError(_ execution: StoredExecution, owner: ProcessIdentity) -> StoreError {
        var since = ""
        if let claimedAt = execution.claimedAt {
            since = " since " + claimedAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
        }
        var heard = ""
        if let heartbeat = execution.heartbeatAt {
            heard = String(format: ", last heartbeat %.1f s ago", max(0, Date().timeIntervalSince(heartbeat)))
        }
        return StoreError(
            .owned,
            "execution \(execution.id) is \(execution.status.rawValue) and owned by process \(owner.pid) on host "
                + "\(owner.host)\(since)\(heard): only one process runs an execution; wait for that one to end, "
                + "or stop it (tide cancel \(execution.id))")
    }
}
