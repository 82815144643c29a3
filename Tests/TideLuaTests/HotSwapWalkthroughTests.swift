import Foundation
import Testing
import Tide

/// The README's walkthrough: a strategy file is changed while `tide run` works, and the next
/// failure is handled by the new logic.
@Suite("Hot swap, end to end")
struct HotSwapWalkthroughTests {
    @Test func run_whenAStrategyFileChangesMidRun_theNextFailureUsesTheNewVersion() async throws {
        try await offThePool {
            let folder = try temporaryFolder()
            let recovery = folder.appendingPathComponent("recovery")
            try FileManager.default.createDirectory(at: recovery, withIntermediateDirectories: true)
            let strategyFile = recovery.appendingPathComponent("retry.lua")
            func strategy(_ message: String) -> String {
                """
                return { id = "retry", applicableErrors = { "FLAKY" },
                         execute = function(context) return { action = "RETRY", message = "\(message)" } end }
                """
            }
            try strategy("old logic").write(to: strategyFile, atomically: true, encoding: .utf8)
            let go = folder.appendingPathComponent("go").path
            let plan = try writePlan(
                """
                return { tasks = {
                  { id = "first", run = function(ctx)
                      if ctx.attempt == 1 then error { code = "FLAKY", message = "first try" } end
                    end },
                  { id = "second", after = "first", run = function(ctx)
                      while tide.exec { "test", "-e", "\(go)" }.code ~= 0 do tide.sleep("20ms") end
                      if ctx.attempt == 1 then error { code = "FLAKY", message = "second try" } end
                    end },
                } }
                """)
            var sawReload = false
            let run = try TideProcess.run(["run", plan, "--recovery", recovery.path, "--no-alerts"]) {
                process, output in
                guard try output.expect("for 'first': old logic", from: process) else { return }
                try strategy("new logic").write(to: strategyFile, atomically: true, encoding: .utf8)
                sawReload = try output.waitFor("loaded 'retry' version 2")
                _ = FileManager.default.createFile(atPath: go, contents: nil)
            }
            #expect(sawReload, "the run did not report the new version")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("recovery 'retry' version 1 chose RETRY for 'first': old logic"))
            #expect(run.stdout.contains("recovery 'retry' version 2 chose RETRY for 'second': new logic"))
        }
    }

    @Test func run_whenTheNewTextIsBroken_warnsAndKeepsTheOldVersion() async throws {
        try await offThePool {
            let folder = try temporaryFolder()
            let recovery = folder.appendingPathComponent("recovery")
            try FileManager.default.createDirectory(at: recovery, withIntermediateDirectories: true)
            let strategyFile = recovery.appendingPathComponent("retry.lua")
            try """
            return { id = "retry", applicableErrors = { "FLAKY" },
                     execute = function(context) return { action = "RETRY", message = "still v1" } end }
            """.write(to: strategyFile, atomically: true, encoding: .utf8)
            let go = folder.appendingPathComponent("go").path
            let plan = try writePlan(
                """
                return { tasks = { { id = "t", run = function(ctx)
                  while tide.exec { "test", "-e", "\(go)" }.code ~= 0 do tide.sleep("20ms") end
                  if ctx.attempt == 1 then error { code = "FLAKY", message = "once" } end
                end } } }
                """)
            var sawWarning = false
            let run = try TideProcess.run(["run", plan, "--recovery", recovery.path, "--no-alerts"]) {
                process, output in
                guard try output.expect("TASK_STARTED", from: process) else { return }
                try "return { id = 'retry', applicableErrors = { 'FLAKY' }, execute = ".write(
                    to: strategyFile, atomically: true, encoding: .utf8)
                sawWarning = try output.waitFor("rejected the new text of retry.lua")
                _ = FileManager.default.createFile(atPath: go, contents: nil)
            }
            #expect(sawWarning)
            #expect(run.status == 0)
            #expect(run.stdout.contains("WARNING"))
            #expect(run.stdout.contains("retry.lua@2"))
            #expect(run.stdout.contains("recovery 'retry' version 1 chose RETRY for 't': still v1"))
        }
    }

    @Test func strategiesAndAlerts_listWhatTheShippedFoldersDefine() async throws {
        try await offThePool {
            let strategies = try TideProcess.run(["strategies"])
            #expect(strategies.status == 0)
            #expect(
                strategies.stdout.contains(
                    "backoff  version 1  20-backoff.lua  NETWORK_TIMEOUT, CONNECTION_REFUSED, TIMEOUT"))
            let alerts = try TideProcess.run(["alerts"])
            #expect(alerts.status == 0)
            #expect(alerts.stdout.contains("error-rate  version 1  error-rate.lua  errorRate gt 0.5 for 10000 ms"))
            let folder = try temporaryFolder()
            try "return {".write(to: folder.appendingPathComponent("broken.lua"), atomically: true, encoding: .utf8)
            let broken = try TideProcess.run(["strategies", "--recovery", folder.path])
            #expect(broken.status == 78, "broken scripts are a configuration problem")
            #expect(broken.stdout.contains("broken.lua: NOT LOADED: broken.lua@1:1: SYNTAX_ERROR"))
        }
    }
}
