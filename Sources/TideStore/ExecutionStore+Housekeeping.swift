public import Foundation
import GRDB
import TideCore

extension ExecutionStore {
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
