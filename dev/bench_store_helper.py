#!/usr/bin/env python3
"""Measurements for dev/bench-store.sh that a shell cannot make well.

  raw-commits FOLDER N SYNC   N single-row INSERT transactions into a fresh WAL database in FOLDER,
                              with PRAGMA synchronous=SYNC (NORMAL or FULL); prints commits/s.
  startup TIDE DB PLAN N      runs `TIDE run PLAN`, kills it with SIGKILL once the store holds N
                              completed tasks, then times `TIDE resume ID --json`
                              and `TIDE run PLAN --json` from exec to their first {"event"} line;
                              prints: run_ms resume_ms completed_at_kill (best of 5 each).
"""
import os
import signal
import sqlite3
import subprocess
import sys
import time


def raw_commits(folder, count, sync):
    path = os.path.join(folder, "raw.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {sync}")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    start = time.perf_counter()
    for index in range(count):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t (body) VALUES (?)", (f"row {index}",))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    print(f"{count / elapsed:.0f}")


def first_event_ms(arguments, env):
    start = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    elapsed = None
    for line in process.stdout:
        if line.startswith(b'{"event"'):
            elapsed = (time.perf_counter() - start) * 1000
            break
    process.kill()
    process.wait()
    return elapsed


def startup(tide, database, plan, completions):
    env = dict(os.environ, TIDE_DB=database)
    runs, resumes, completed_at_kill = [], [], []
    for _ in range(5):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)
        # Killed once the store holds `completions` completed tasks (the output lags behind).
        process = subprocess.Popen(
            [tide, "run", plan, "--quiet", "--no-recovery", "--no-alerts"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        execution, done = None, 0
        while process.poll() is None and done < completions:
            try:
                connection = sqlite3.connect(database, timeout=1)
                row = connection.execute("SELECT id FROM executions ORDER BY createdAt DESC LIMIT 1").fetchone()
                if row:
                    execution = row[0]
                    done = connection.execute(
                        "SELECT count(*) FROM tasks WHERE executionId = ? AND outcome = 'COMPLETED'",
                        (execution,)).fetchone()[0]
                connection.close()
            except sqlite3.Error:
                pass
        process.send_signal(signal.SIGKILL)
        process.wait()
        connection = sqlite3.connect(database)
        done = connection.execute(
            "SELECT count(*) FROM tasks WHERE executionId = ? AND outcome = 'COMPLETED'", (execution,)).fetchone()[0]
        connection.close()
        completed_at_kill.append(done)
        resumes.append(first_event_ms([tide, "resume", execution, "--json", "--no-recovery", "--no-alerts"], env))
        runs.append(first_event_ms([tide, "run", plan, "--json", "--no-recovery", "--no-alerts"], env))
    print(f"{min(runs):.1f} {min(resumes):.1f} {sorted(completed_at_kill)[2]}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "raw-commits":
        raw_commits(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif command == "startup":
        startup(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(f"unknown command {command}")
