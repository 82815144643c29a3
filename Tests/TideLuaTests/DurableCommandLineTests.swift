import Foundation
import Testing
import Tide

#if canImport(Glibc)
    import Glibc
#endif

/// The store-backed commands of the built `tide` binary: history, control from another process,
/// resume and restore.
@Suite("tide with its store")
struct DurableCommandLineTests {
    /// A fresh store path and a way to run `tide` against it.
    struct Workspace {
        let database: String

        init() throws {
            database = try temporaryFolder().appendingPathComponent("tide.db").path
        }

        func tide(_ arguments: String..., during: ((Process, TideProcess.Output) throws -> Void)? = nil) throws
            -> TideProcess.Outcome
        {
            try TideProcess.run(arguments, database: database, during: during)
        }

        /// The only execution in the store.
        func onlyExecution() throws -> StoredExecution {
            let executions = try ExecutionStore(path: database).recentExecutions()
            return try #require(executions.count == 1 ? executions.first : nil, "\(executions.count) executions")
        }
    }

    @Test func run_whenItEnds_isInTheHistory() async throws {
        try await offThePool {
            let workspace = try Workspace()
            #expect(try workspace.tide("run", "scripts/plans/quickstart.lua", "--quiet").status == 0)
            let id = try workspace.onlyExecution().id
            let list = try workspace.tide("list")
            #expect(list.status == 0)
            #expect(list.stdout.contains(id) && list.stdout.contains("COMPLETED") && list.stdout.contains("3/3"))
            let explicit = try TideProcess.run(["list", "--db", workspace.database], database: "/nonexistent/other.db")
            #expect(explicit.stdout.contains(id), "--db wins over $TIDE_DB")
            let status = try workspace.tide("status", String(id.prefix(8)))
            #expect(status.stdout.contains("status     COMPLETED"))
            #expect(status.stdout.contains("progress   3/3 tasks completed (100.0%)"))
            let show = try workspace.tide("show", id)
            #expect(show.stdout.contains("Metrics analysis: plan 'quickstart'"))
            #expect(show.stdout.contains("EXECUTION_COMPLETED"))
            let json = try workspace.tide("show", id, "--json")
            let result = try JSONDecoder().decode([String: JSONValue].self, from: Data(json.stdout.utf8))
            #expect(result["status"] == "COMPLETED")
            #expect(result["timeline"].map { if case .array(let events) = $0 { events.count } else { 0 } } == 9)
            let logs = try workspace.tide("logs", id)
            #expect(logs.stdout.contains("INFO    [extract] extracting rows"))
            #expect(logs.stdout.contains("[report] hello: 84 rows"))
            let followed = try workspace.tide("logs", id, "--follow")
            #expect(followed.stdout == logs.stdout, "--follow of an ended execution prints its logs and returns")
        }
    }

    @Test func pauseResumeAndCancel_fromAnotherProcess_actOnTheRunningExecution() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let plan = try writePlan(#"return { tasks = { { id = "wait", run = function() tide.sleep(300) end } } }"#)
            var answers: [TideProcess.Outcome] = []
            var statusWhilePaused = ""
            let run = try workspace.tide("run", plan) { process, output in
                guard try output.expect("TASK_STARTED", from: process) else { return }
                let id = try workspace.onlyExecution().id
                answers.append(try workspace.tide("pause", id))
                statusWhilePaused = try workspace.tide("status", id).stdout
                answers.append(try workspace.tide("resume", id))
                answers.append(try workspace.tide("cancel", id))
            }
            #expect(answers.map(\.status) == [0, 0, 0], "\(answers.map(\.stderr))")
            #expect(statusWhilePaused.contains("PAUSED in process"))
            #expect(run.status == 3, "cancelled by a control command")
            for event in ["EXECUTION_PAUSED", "EXECUTION_RESUMED", "EXECUTION_CANCELLED"] {
                #expect(run.stdout.contains(event))
            }
            let again = try workspace.tide("cancel", try workspace.onlyExecution().id)
            #expect(again.status == 4, "the execution's state does not allow it")
            #expect(again.stderr.contains("is CANCELLED and not running in any process"))
        }
    }

    @Test func logsFollow_whileTheExecutionRuns_printsMessagesUntilItEnds() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let go = try temporaryFolder().appendingPathComponent("go").path
            let plan = try writePlan(
                """
                return { tasks = { { id = "t", run = function()
                  tide.log.info("before the wait")
                  while tide.exec { "test", "-e", "\(go)" }.code ~= 0 do tide.sleep("20ms") end
                  tide.sleep("200ms")
                  tide.log.info("after the wait")
                end } } }
                """)
            var followed: TideProcess.Outcome?
            let run = try workspace.tide("run", plan) { process, output in
                guard try output.expect("before the wait", from: process) else { return }
                let id = try workspace.onlyExecution().id
                _ = FileManager.default.createFile(atPath: go, contents: nil)
                followed = try workspace.tide("logs", id, "--follow")  // returns once the execution ends
            }
            #expect(run.status == 0)
            let logs = try #require(followed)
            #expect(logs.status == 0)
            #expect(logs.stdout.contains("[t] before the wait"))
            #expect(logs.stdout.contains("[t] after the wait"), "--follow printed what came after it started")
        }
    }

    @Test func resume_whenTheFirstRunFailed_runsOnlyWhatDidNotComplete() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let folder = try temporaryFolder()
            let marker = folder.appendingPathComponent("fixed").path
            let plan = try writePlan(
                """
                return { tasks = {
                  { id = "a", run = function() return 1 end },
                  { id = "b", after = "a", run = function(ctx)
                      local r = tide.exec { "test", "-e", "\(marker)" }
                      if r.code ~= 0 then error("not fixed yet") end
                      return { attempt = ctx.attempt }
                    end },
                } }
                """)
            #expect(try workspace.tide("run", plan).status == 1)
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
            let id = try workspace.onlyExecution().id
            let resumed = try workspace.tide("resume", id, "--json")
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout.contains(#""result":{"b":{"attempt":2}}"#))
            let events = try ExecutionStore(path: workspace.database).events(of: id)
            #expect(events.filter { $0.type == .taskStarted && $0.taskId == "a" }.count == 1, "a ran once")
            #expect(events.contains { $0.type == .recoveryInitiated })
            #expect(events.map(\.id) == events.indices.map { String($0 + 1) })
        }
    }

    @Test func resume_runsWithTheLimitsTheExecutionStartedWith_underAnyGivenAgain() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let marker = try temporaryFolder().appendingPathComponent("ready").path
            let plan = try writePlan(
                """
                return { tasks = { { id = "b", run = function()
                  if tide.exec { "test", "-e", "\(marker)" }.code ~= 0 then error("not ready") end
                  tide.emit("one")
                  tide.emit("two")
                  return "emitted"
                end } } }
                """)
            #expect(try workspace.tide("run", plan, "--limit", "maxEvents=1").status == 1)
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
            let id = try workspace.onlyExecution().id
            #expect(try ExecutionStore(path: workspace.database).execution(matching: id).limits?.maxEvents == 1)
            let kept = try workspace.tide("resume", id, "--json")
            #expect(kept.status == 1)
            #expect(kept.stdout.contains("QUOTA_EXCEEDED"), "the resume forgot --limit maxEvents=1")
            // The events the first resume's task added count on: two more are past maxEvents=2.
            let counted = try workspace.tide("resume", id, "--json", "--limit", "maxEvents=2")
            #expect(counted.status == 1)
            #expect(counted.stdout.contains("QUOTA_EXCEEDED"))
            let raised = try workspace.tide("resume", id, "--json", "--limit", "maxEvents=10")
            #expect(raised.status == 0, "\(raised.stdout)\(raised.stderr)")
        }
    }

    @Test func resume_whenThePlanFileChanged_refusesUnlessAllowed() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let plan = try writePlan(#"return { tasks = { { id = "a", run = function() error("boom") end } } }"#)
            #expect(try workspace.tide("run", plan).status == 1)
            try #"return { tasks = { { id = "a", run = function() return "fixed" end } } }"#.write(
                toFile: plan, atomically: true, encoding: .utf8)
            let id = try workspace.onlyExecution().id
            let refused = try workspace.tide("resume", id)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("changed since execution \(id) started"))
            let allowed = try workspace.tide("resume", id, "--allow-changed-plan", "--quiet")
            #expect(allowed.status == 0)
            #expect(allowed.stdout.contains("status       COMPLETED"))
        }
    }

    @Test func restore_fromACheckpoint_keepsWhatItHadAndRunsTheRest() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let plan = try writePlan(
                """
                return { tasks = {
                  { id = "a", run = function() return 1 end },
                  { id = "b", after = "a", run = function() tide.checkpoint { reason = "after b" } return 2 end },
                  { id = "c", after = "b", run = function(ctx) if ctx.attempt == 1 then error("first time") end return 3 end },
                } }
                """)
            #expect(try workspace.tide("run", plan).status == 1)
            let id = try workspace.onlyExecution().id
            let listed = try workspace.tide("checkpoints", id)
            #expect(listed.stdout.contains("\(id)-cp1"))
            #expect(listed.stdout.contains("after b"))
            let restored = try workspace.tide("restore", "\(id)-cp1", "--quiet")
            #expect(restored.status == 0, "\(restored.stderr)")
            let events = try ExecutionStore(path: workspace.database).events(of: id)
            #expect(events.filter { $0.type == .taskStarted && $0.taskId == "a" }.count == 1)
            #expect(events.contains { $0.description.contains("resumed from checkpoint \(id)-cp1") })
        }
    }

    @Test func run_withAutomaticCheckpoints_storesThem() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let run = try workspace.tide("run", "scripts/plans/quickstart.lua", "--quiet", "--checkpoint-every", "2")
            #expect(run.status == 0)
            let id = try workspace.onlyExecution().id
            let listed = try workspace.tide("checkpoints", id)
            #expect(listed.stdout.contains("\(id)-cp1"))
            #expect(listed.stdout.contains("2 task(s) completed  every 2 tasks"))
            let bad = try workspace.tide("run", "scripts/plans/quickstart.lua", "--checkpoint-interval", "soon")
            #expect(bad.status == 64)
        }
    }

    @Test func run_whenItsReaderGoesAway_goesOnToItsEnd() async throws {
        try await offThePool {
            let workspace = try Workspace()
            let plan = try writePlan(
                """
                local tasks = {}
                for i = 1, 30 do tasks[i] = { id = "t" .. i, run = function() tide.sleep("5ms") end } end
                return { concurrency = 2, tasks = tasks }
                """)
            // `head -1` exits after the first line: every later write of tide meets a closed pipe.
            let shell = try TideProcess.run(
                [
                    "-c", #""$0" run "$1" --json --no-recovery | head -1 >/dev/null; exit 0"#,
                    TideProcess.executable.path, plan,
                ],
                database: workspace.database, executable: URL(fileURLWithPath: "/bin/sh"))
            #expect(shell.status == 0)
            let execution = try workspace.onlyExecution()
            #expect(execution.status == .completed, "a reader that left did not stop the run")
            #expect(execution.owner == nil, "the run ended and gave the execution up")
        }
    }

    @Test func prune_whenExecutionsEnded_deletesThem() async throws {
        try await offThePool {
            let workspace = try Workspace()
            #expect(try workspace.tide("run", "scripts/plans/quickstart.lua", "--quiet").status == 0)
            let kept = try workspace.tide("prune", "--older-than", "30d")
            #expect(kept.stdout.contains("pruned 0 executions"))
            let pruned = try workspace.tide("prune", "--older-than", "0s")
            #expect(pruned.stdout.contains("pruned 1 execution "))
            #expect(try workspace.tide("list").stdout.contains("no executions"))
        }
    }

    @Test func commands_whenInputIsBad_sayWhatIsWrong() async throws {
        try await offThePool {
            let workspace = try Workspace()
            #expect(try workspace.tide("run", "scripts/plans/quickstart.lua", "--quiet").status == 0)
            let unknown = try workspace.tide("status", "nope")
            #expect(unknown.status == 66)
            #expect(unknown.stderr.contains("no execution 'nope'"))
            let garbage = try temporaryFolder().appendingPathComponent("garbage.db").path
            try Data(repeating: 7, count: 8192).write(to: URL(fileURLWithPath: garbage))
            let corrupt = try TideProcess.run(["list"], database: garbage)
            #expect(corrupt.status == 73)
            #expect(corrupt.stderr.contains("is not a Tide database or is damaged"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: garbage)) == Data(repeating: 7, count: 8192))
        }
    }
}
