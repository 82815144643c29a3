import Foundation
import Testing
import Tide

#if canImport(Glibc)
    import Glibc
#endif

/// `tide.exec` children under `tide-guard`, through the built `tide`: whatever a child starts —
/// a daemon that left the group with `setsid`, a double fork, a process that ignores `SIGTERM` —
/// is gone once its attempt is, also when `tide` is killed; and what a guard killed with `tide`
/// could not clear, `tide resume` kills before it runs the task again.
///
/// Each test gives its `sleep`s an argument no other process has (``marker()``) and looks for it
/// in the command lines of `/proc`; whatever a failing test leaves is killed by that marker.
@Suite("No child outlives its attempt")
struct ProcessGuardTests {
    /// A `sleep` argument no other process has (GNU `sleep` takes fractional seconds).
    static func marker() -> String { "4711.\(Int.random(in: 100_000_000...999_999_999))" }

    /// A one-task plan whose body runs `script` with `sh -c` (`$1` is `argument`).
    static func plan(script: String, argument: String, options: String = "check = true") -> String {
        """
        local SCRIPT = [=[
        \(script)
        ]=]
        return { tasks = { { id = "t", run = function()
          return tide.exec { "sh", "-c", SCRIPT, "sh", "\(argument)", \(options) }.code
        end } } }
        """
    }

    /// The pid a child wrote to `file`, once it has.
    static func pid(in file: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The events a `--json` run printed, in order.
    static func events(in stdout: String) -> [JSONValue] {
        stdout.split(separator: "\n").compactMap { line in
            (try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8)))?["event"]
        }
    }

    /// The tasks a `--json` run printed completed, in order.
    static func completed(in stdout: String) -> [String] {
        events(in: stdout).filter { $0["type"] == "TASK_COMPLETED" }.compactMap { $0["taskId"]?.stringValue }
    }

    /// The body starts a daemon in a session of its own and exits once the daemon wrote its pid.
    static func setsidDaemon(marker: String, pidFile: String) -> String {
        plan(
            script: """
                setsid sh -c 'echo $$ > "$1"; exec sleep \(marker)' sh "$1" </dev/null >/dev/null 2>&1 &
                while [ ! -s "$1" ]; do sleep 0.01; done
                """, argument: pidFile)
    }

    @Test func exec_whenTheChildLeavesASetsidDaemonAndExits_theDaemonIsKilled() async throws {
        try await offThePool {
            let marker = Self.marker()
            defer { ProcessTable.kill(containing: marker) }
            let pidFile = try temporaryFolder().appendingPathComponent("daemon").path
            let plan = try writePlan(Self.setsidDaemon(marker: marker, pidFile: pidFile))
            let run = try TideProcess.run(["run", plan, "--in-memory", "--quiet", "--no-recovery", "--no-alerts"])
            #expect(run.status == 0, "\(run.stderr)")
            let daemon = try #require(Self.pid(in: pidFile), "the daemon never started")
            #expect(
                ProcessTable.waitUntilGone(containing: marker),
                "left running: \(ProcessTable.describe(ProcessTable.processes(containing: marker))) (daemon \(daemon))")
        }
    }

    /// The control of the test above: without the guard (`TIDE_GUARD=` empty) the daemon outlives
    /// `tide`, which kills only the child's process group; so the test above sees the guard's work.
    @Test func exec_withoutTheGuard_aSetsidDaemonOutlivesTide() async throws {
        try await offThePool {
            let marker = Self.marker()
            defer { ProcessTable.kill(containing: marker) }
            let pidFile = try temporaryFolder().appendingPathComponent("daemon").path
            let plan = try writePlan(Self.setsidDaemon(marker: marker, pidFile: pidFile))
            let run = try TideProcess.run(
                [
                    "TIDE_GUARD=", TideProcess.executable.path, "run", plan, "--in-memory", "--quiet", "--no-recovery",
                    "--no-alerts",
                ], executable: URL(fileURLWithPath: "/usr/bin/env"))
            #expect(run.status == 0, "\(run.stderr)")
            let daemon = try #require(Self.pid(in: pidFile), "the daemon never started")
            #expect(
                ProcessTable.isAlive(daemon), "the unguarded daemon \(daemon) is gone: the suite could not see a leak")
            #expect(ProcessTable.processes(containing: marker).contains(daemon))
        }
    }

    @Test func exec_whenTheChildForksTwice_theOrphanIsKilled() async throws {
        try await offThePool {
            let marker = Self.marker()
            defer { ProcessTable.kill(containing: marker) }
            let pidFile = try temporaryFolder().appendingPathComponent("orphan").path
            let plan = try writePlan(
                Self.plan(
                    script: """
                        (sh -c 'sleep \(marker) </dev/null >/dev/null 2>&1 & echo $! > "$1"' sh "$1" &)
                        while [ ! -s "$1" ]; do sleep 0.01; done
                        """, argument: pidFile))
            let run = try TideProcess.run(["run", plan, "--in-memory", "--quiet", "--no-recovery", "--no-alerts"])
            #expect(run.status == 0, "\(run.stderr)")
            let orphan = try #require(Self.pid(in: pidFile), "the orphan never started")
            #expect(
                ProcessTable.waitUntilGone(containing: marker),
                "left running: \(ProcessTable.describe(ProcessTable.processes(containing: marker))) (orphan \(orphan))")
        }
    }

    @Test func exec_whenTheChildIgnoresSigtermPastItsTimeout_failsWithProcessTimeout_andLeavesNothing() async throws {
        try await offThePool {
            let marker = Self.marker()
            defer { ProcessTable.kill(containing: marker) }
            let pidFile = try temporaryFolder().appendingPathComponent("child").path
            let plan = try writePlan(
                Self.plan(
                    script: """
                        trap '' TERM
                        echo $$ > "$1"
                        sleep \(marker)
                        """, argument: pidFile, options: "timeout = 0.3"))
            let run = try TideProcess.run(["run", plan, "--in-memory", "--json", "--no-recovery", "--no-alerts"])
            #expect(run.status == 1, "\(run.stderr)")
            let failures = Self.events(in: run.stdout).filter { $0["type"] == "TASK_FAILED" }
            #expect(failures.map { $0["data"]?["code"] } == ["PROCESS_TIMEOUT"], "\(run.stdout)")
            #expect(Self.pid(in: pidFile) != nil, "the child never started")
            #expect(
                ProcessTable.waitUntilGone(containing: marker),
                "left running: \(ProcessTable.describe(ProcessTable.processes(containing: marker)))")
        }
    }

    @Test func taskTimeout_whileTheChildWaitsOnAGrandchild_leavesNothing() async throws {
        try await offThePool {
            let marker = Self.marker()
            defer { ProcessTable.kill(containing: marker) }
            let pidFile = try temporaryFolder().appendingPathComponent("child").path
            // The task's own timeout (not tide.exec's): the attempt is cancelled under the child.
            let plan = try writePlan(
                """
                return { tasks = { { id = "t", timeout = 0.5, run = function()
                  tide.exec { "sh", "-c", [=[sleep \(marker) & echo $! > "$1"; wait]=], "sh", "\(pidFile)" }
                end } } }
                """)
            let run = try TideProcess.run(["run", plan, "--in-memory", "--json", "--no-recovery", "--no-alerts"])
            let failures = Self.events(in: run.stdout).filter { $0["type"] == "TASK_FAILED" }
            #expect(failures.map { $0["data"]?["code"] } == ["TIMEOUT"], "\(run.stdout)")
            #expect(Self.pid(in: pidFile) != nil, "the grandchild never started")
            #expect(
                ProcessTable.waitUntilGone(containing: marker),
                "left running: \(ProcessTable.describe(ProcessTable.processes(containing: marker)))")
        }
    }

    @Test func exec_whenTheChildKillsItsOwnGuard_whatItStartedIsKilledToo() async throws {
        try await offThePool {
            let marker = Self.marker()
            defer { ProcessTable.kill(containing: marker) }
            let pidFile = try temporaryFolder().appendingPathComponent("child").path
            let plan = try writePlan(
                Self.plan(
                    script: """
                        setsid sh -c 'echo $$ > "$1"; exec sleep \(marker)' sh "$1" </dev/null >/dev/null 2>&1 &
                        while [ ! -s "$1" ]; do sleep 0.01; done
                        kill -9 $PPID
                        """, argument: pidFile, options: "check = false"))
            let run = try TideProcess.run(["run", plan, "--in-memory", "--no-recovery", "--no-alerts"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(Self.pid(in: pidFile) != nil, "the daemon never started")
            #expect(
                ProcessTable.waitUntilGone(containing: marker),
                "left running: \(ProcessTable.describe(ProcessTable.processes(containing: marker)))")
        }
    }

    // MARK: - tide killed

    /// A task that leaves evidence in `folder`: each run of its body takes an exclusive lock (and
    /// writes `overlap` if another run still holds it), writes `start ATTEMPT`, starts a daemon in
    /// a session of its own (which holds the lock too), waits for the file `go`, and writes
    /// `end ATTEMPT`. Once the daemon runs, the body writes its pid on `up` (a ``Lifeline``,
    /// opened read-write so that a later run's body never blocks on it).
    static func lockingPlan(folder: String, marker: String, up: String) -> String {
        """
        local SCRIPT = [=[
        exec 4<>"\(up)"
        exec 9>>"$1/lock"
        if ! flock -n 9; then echo "overlap $TIDE_ATTEMPT_ID" >> "$1/evidence"; fi
        echo "start $TIDE_ATTEMPT_ID" >> "$1/evidence"
        setsid sh -c 'exec sleep \(marker)' </dev/null >/dev/null 2>&1 4>&- &
        echo $! > "$1/daemon"
        echo $! >&4
        exec 4>&-
        while [ ! -e "$1/go" ]; do sleep 0.02; done
        echo "end $TIDE_ATTEMPT_ID" >> "$1/evidence"
        ]=]
        return { id = "guarded", tasks = { { id = "work", run = function()
          return tide.exec { "sh", "-c", SCRIPT, "sh", "\(folder)", check = true }.code
        end } } }
        """
    }

    /// One test's folder, store, plan and marker.
    struct Workspace {
        let marker = ProcessGuardTests.marker()
        let folder: String
        let database: String
        let plan: String
        /// Where the first run's body says its daemon runs.
        let up: Lifeline

        init() throws {
            folder = try temporaryFolder().path
            database = folder + "/tide.db"
            plan = folder + "/guarded.lua"
            up = try Lifeline()
            try ProcessGuardTests.lockingPlan(folder: folder, marker: marker, up: up.path)
                .write(toFile: plan, atomically: true, encoding: .utf8)
        }

        var daemon: pid_t? { ProcessGuardTests.pid(in: folder + "/daemon") }

        /// Lets the bodies end, and kills whatever the test left.
        func cleanUp(_ running: TideProcess.Running) {
            _ = FileManager.default.createFile(atPath: folder + "/go", contents: nil)
            if running.process.isRunning { kill(running.pid, SIGKILL) }
            ProcessTable.kill(containing: marker)
        }

        /// Starts `tide run` on the store; returns it with its execution id once its body's daemon
        /// runs (`nil` id, with an issue recorded, if that never happens; nothing throws once it runs).
        func start() throws -> (TideProcess.Running, String?) {
            let running = try TideProcess.start(
                ["run", plan, "--db", database, "--json", "--no-recovery", "--no-alerts"], database: database)
            guard running.output.wait(on: 0, for: { $0.contains("\n") }) else {
                Issue.record("no first line: \(running.output.stderr)")
                return (running, nil)
            }
            let line = String(running.output.stdout.prefix { $0 != "\n" })
            let first = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
            let id = first?["execution"]?["executionId"]?.stringValue
            let daemon = up.firstLineBlocking().flatMap { pid_t($0) }
            guard let daemon, ProcessTable.processes(containing: marker).contains(daemon), id != nil else {
                Issue.record("the body's daemon never ran: \(running.output.stdout)\n\(running.output.stderr)")
                return (running, nil)
            }
            return (running, id)
        }

        /// Resumes the execution (its bodies may end now) and returns the outcome.
        func resume(_ id: String) throws -> TideProcess.Outcome {
            _ = FileManager.default.createFile(atPath: folder + "/go", contents: nil)
            return try TideProcess.run(
                ["resume", id, "--db", database, "--json", "--no-recovery", "--no-alerts"], database: database)
        }

        /// Checks the evidence: the killed body started, the resumed one started after it and ended,
        /// and no run of the body ever found the lock held by another.
        func checkEvidence() throws {
            let lines = try String(contentsOfFile: folder + "/evidence", encoding: .utf8).split(separator: "\n")
            #expect(!lines.contains { $0.hasPrefix("overlap") }, "two runs of the body at once: \(lines)")
            let starts = lines.filter { $0.hasPrefix("start ") }.map { $0.dropFirst(6) }
            let ends = lines.filter { $0.hasPrefix("end ") }.map { $0.dropFirst(4) }
            #expect(starts.count == 2 && Set(starts).count == 2, "\(lines)")
            #expect(ends.count == 1 && ends.first == starts.last, "only the resumed run ends: \(lines)")
        }
    }

    /// The guard's parent-death handling: `tide` killed with `SIGKILL`, each guard kills its
    /// command and all it started; the resume then runs the body alone and completes.
    @Test func tideKilled_theGuardKillsEverythingItsChildStarted_andResumeCompletes() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let (running, started) = try workspace.start()
            defer { workspace.cleanUp(running) }
            let id = try #require(started)
            kill(running.pid, SIGKILL)
            let killed = try running.wait()
            #expect(killed.status == SIGKILL || killed.status == 128 + SIGKILL, "\(killed.stderr)")
            let marker = workspace.marker
            #expect(
                ProcessTable.waitUntilGone(containing: marker),
                "left running after tide died: \(ProcessTable.describe(ProcessTable.processes(containing: marker)))")

            let resumed = try workspace.resume(id)
            #expect(resumed.status == 0, "\(resumed.stderr)\n\(resumed.stdout)")
            #expect(Self.completed(in: resumed.stdout) == ["work"], "\(resumed.stdout)")
            try workspace.checkEvidence()
            #expect(
                ProcessTable.waitUntilGone(containing: marker),
                "left running after the resume: \(ProcessTable.describe(ProcessTable.processes(containing: marker)))")
        }
    }

    /// `tide` and its guard both killed with `SIGKILL` (the guard first, with `tide` stopped, so
    /// that neither can act on the other's death): the daemon survives them; `tide resume` kills
    /// it, says so, and only then runs the body again (which would find the lock the daemon holds
    /// otherwise).
    @Test func tideAndItsGuardKilled_theDaemonSurvives_andResumeKillsItBeforeRunningTheTask() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let (running, started) = try workspace.start()
            defer { workspace.cleanUp(running) }
            let id = try #require(started)
            let daemon = try #require(workspace.daemon)
            let guards = ProcessTable.children(of: running.pid).filter { ProcessTable.name(of: $0) == "tide-guard" }
            let guardPid = try #require(guards.count == 1 ? guards.first : nil, "guards: \(guards)")
            let command = ProcessTable.children(of: guardPid)
            #expect(command.count == 1, "the guard runs one command: \(command)")
            // tide is stopped first, so that it cannot see its guard die; the guard is killed
            // while tide still lives (stopping the guard instead would not do: once tide is dead,
            // the guard's group is orphaned, and the kernel wakes its stopped members with SIGCONT).
            kill(running.pid, SIGSTOP)
            #expect(ProcessTable.waitUntilStopped(running.pid), "tide did not stop")
            kill(guardPid, SIGKILL)
            let marker = workspace.marker
            // The command dies with its guard; the daemon, in a session of its own, lives on.
            #expect(ProcessTable.waitForExit(of: command, within: 10), "the command outlived its guard")
            kill(running.pid, SIGKILL)
            let killed = try running.wait()
            #expect(killed.status == SIGKILL || killed.status == 128 + SIGKILL, "\(killed.stderr)")
            let left = ProcessTable.processes(containing: marker)
            #expect(left == [daemon], "expected only the daemon \(daemon): \(ProcessTable.describe(left))")
            #expect(ProcessTable.isAlive(daemon), "the daemon did not survive tide and its guard")

            let resumed = try workspace.resume(id)
            #expect(resumed.status == 0, "\(resumed.stderr)\n\(resumed.stdout)")
            #expect(resumed.stderr.contains("tide: killed"), "the resume did not say it killed: \(resumed.stderr)")
            #expect(resumed.stderr.contains("\(daemon)"), "the daemon's pid is not among the killed: \(resumed.stderr)")
            #expect(Self.completed(in: resumed.stdout) == ["work"], "\(resumed.stdout)")
            #expect(
                !ProcessTable.processes(containing: marker).contains(daemon),
                "the old daemon \(daemon) outlived the resume")
            try workspace.checkEvidence()
            #expect(
                ProcessTable.waitUntilGone(containing: marker),
                "left running after the resume: \(ProcessTable.describe(ProcessTable.processes(containing: marker)))")
        }
    }
}

/// The process table, read from `/proc`.
enum ProcessTable {
    /// Every process id.
    static func all() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
    }

    /// The live processes other than this one whose command line contains `text` (a zombie's is
    /// empty), in order.
    static func processes(containing text: String) -> [pid_t] {
        let me = getpid()
        return all().filter { pid in
            guard pid != me, let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
                return false
            }
            return String(decoding: bytes, as: UTF8.self).contains(text)
        }.sorted()
    }

    /// A process's name, state and parent, from `/proc/PID/stat`; `nil` if it is gone.
    static func stat(of pid: pid_t) -> (name: String, state: Character, parent: pid_t)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let state = fields[0].first, let parent = pid_t(fields[1]) else { return nil }
        return (String(text[text.index(after: open)..<close]), state, parent)
    }

    /// Whether `pid` runs (it exists and is not a zombie).
    static func isAlive(_ pid: pid_t) -> Bool { stat(of: pid).map { $0.state != "Z" } ?? false }

    /// The name of `pid`'s program (`comm`).
    static func name(of pid: pid_t) -> String? { stat(of: pid)?.name }

    /// The live children of `pid`.
    static func children(of pid: pid_t) -> [pid_t] {
        all().filter { child in stat(of: child).map { $0.parent == pid && $0.state != "Z" } ?? false }.sorted()
    }

    /// `pid (name) state`, for messages.
    static func describe(_ pids: [pid_t]) -> String {
        pids.map { pid in
            let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map {
                String(decoding: $0.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            }
            return "\(pid) [\(command ?? "?")]"
        }.joined(separator: ", ")
    }

    /// Kills (`SIGKILL`) every process whose command line contains `text`, until none is left.
    static func kill(containing text: String) {
        for _ in 0..<50 {
            let found = processes(containing: text)
            if found.isEmpty { return }
            for pid in found { Glibc.kill(pid, SIGKILL) }
            _ = waitForExit(of: found, within: 1)
        }
    }

    /// Waits until no process whose command line contains `text` is left: on the exit of each one
    /// found (a pidfd), then looks again, for what they started meanwhile. `seconds` guards against
    /// a hang; it is not a bound the test asserts. Returns whether none is left.
    static func waitUntilGone(containing text: String, within seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        for _ in 0..<100 {
            let found = processes(containing: text)
            if found.isEmpty { return true }
            guard waitForExit(of: found, within: deadline.timeIntervalSinceNow) else { return false }
        }
        return processes(containing: text).isEmpty
    }

    /// Waits for each of `pids` to exit (be gone or a zombie), on its pidfd; returns whether all
    /// did within `seconds`.
    static func waitForExit(of pids: [pid_t], within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        for pid in pids {
            let descriptor = pidfdOpen(pid, 0)
            guard descriptor >= 0 else { continue }  // gone already
            defer { close(descriptor) }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            var ready: Int32
            repeat { ready = poll(&entry, 1, left) } while ready < 0 && errno == EINTR
            if ready <= 0 { return false }
        }
        return true
    }

    /// Waits until child `pid` of this process is stopped (or has exited), without reaping it.
    static func waitUntilStopped(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        var result: Int32
        repeat {
            result = waitid(P_PID, id_t(pid), &info, WSTOPPED | WEXITED | WNOWAIT)
        } while result < 0 && errno == EINTR
        return result == 0 && info.si_code == CLD_STOPPED
    }
}

/// glibc's `pidfd_open` (2.36), which the Glibc module does not export: a descriptor that becomes
/// readable when the process exits.
@_silgen_name("pidfd_open")
private func pidfdOpen(_ pid: pid_t, _ flags: UInt32) -> Int32
