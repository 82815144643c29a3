import GRDB

/// The store's schema, as ordered, named, append-only migrations.
///
/// A migration, once released, is never edited: a change to the schema is a new migration added
/// at the end. A database with a migration this build does not know was written by a newer Tide
/// and is refused rather than guessed at.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-28 executions, events, messages, tasks, checkpoints, usage, controls") {
            db in
            try db.execute(
                sql: """
                    CREATE TABLE executions (
                      id TEXT PRIMARY KEY NOT NULL,
                      planId TEXT NOT NULL,
                      planName TEXT NOT NULL,
                      planFile TEXT NOT NULL,
                      planSource TEXT NOT NULL,
                      planHash TEXT NOT NULL,
                      status TEXT NOT NULL,
                      totalTasks INTEGER NOT NULL,
                      createdAt REAL NOT NULL,
                      updatedAt REAL NOT NULL,
                      completedAt REAL,
                      pid INTEGER,
                      heartbeatAt REAL,
                      variables TEXT NOT NULL,
                      result TEXT
                    );
                    CREATE INDEX executions_by_creation ON executions(createdAt);
                    CREATE TABLE events (
                      executionId TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
                      seq INTEGER NOT NULL,
                      type TEXT NOT NULL,
                      timestamp REAL NOT NULL,
                      taskId TEXT,
                      description TEXT NOT NULL,
                      data TEXT,
                      PRIMARY KEY (executionId, seq)
                    ) WITHOUT ROWID;
                    CREATE TABLE messages (
                      executionId TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
                      seq INTEGER NOT NULL,
                      level TEXT NOT NULL,
                      timestamp REAL NOT NULL,
                      taskId TEXT,
                      message TEXT NOT NULL,
                      context TEXT,
                      PRIMARY KEY (executionId, seq)
                    ) WITHOUT ROWID;
                    CREATE TABLE tasks (
                      executionId TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
                      taskId TEXT NOT NULL,
                      outcome TEXT,
                      result TEXT,
                      state TEXT,
                      PRIMARY KEY (executionId, taskId)
                    ) WITHOUT ROWID;
                    CREATE TABLE checkpoints (
                      id TEXT PRIMARY KEY NOT NULL,
                      executionId TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
                      timestamp REAL NOT NULL,
                      body TEXT NOT NULL
                    );
                    CREATE INDEX checkpoints_by_execution ON checkpoints(executionId);
                    CREATE TABLE resource_usage (
                      id INTEGER PRIMARY KEY,
                      executionId TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
                      body TEXT NOT NULL
                    );
                    CREATE INDEX resource_usage_by_execution ON resource_usage(executionId);
                    CREATE TABLE controls (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      executionId TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
                      command TEXT NOT NULL,
                      requestedAt REAL NOT NULL,
                      appliedAt REAL,
                      outcome TEXT
                    );
                    CREATE INDEX controls_by_execution ON controls(executionId, appliedAt);
                    """)
        }
        migrator.registerMigration("2026-12-01 owners, incarnations and durability per execution") { db in
            try db.execute(
                sql: """
                    ALTER TABLE executions ADD COLUMN host TEXT;
                    ALTER TABLE executions ADD COLUMN processStart TEXT;
                    ALTER TABLE executions ADD COLUMN claimedAt REAL;
                    ALTER TABLE executions ADD COLUMN ownerToken TEXT;
                    ALTER TABLE executions ADD COLUMN incarnation INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE executions ADD COLUMN deaths INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE executions ADD COLUMN durability TEXT NOT NULL DEFAULT 'process';
                    """)
        }
        migrator.registerMigration("2026-12-02 the limits each execution runs with") { db in
            try db.execute(sql: "ALTER TABLE executions ADD COLUMN limits TEXT")
        }
        migrator.registerMigration("2026-12-02 the child processes of attempts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE children (
                      executionId TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
                      taskId TEXT NOT NULL,
                      attempt INTEGER NOT NULL,
                      host TEXT NOT NULL,
                      pid INTEGER NOT NULL,
                      processGroup INTEGER NOT NULL,
                      startTime INTEGER NOT NULL,
                      guarded INTEGER NOT NULL,
                      startedAt REAL NOT NULL,
                      endedAt REAL,
                      PRIMARY KEY (executionId, host, pid, startTime)
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }
}
