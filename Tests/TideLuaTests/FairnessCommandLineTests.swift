import Foundation
import Testing
import Tide

/// The task bodies of a plan share one Lua state; through the built `tide`, a body that hogs it,
/// one that eats memory and one that cannot be paused each pay for it alone. Every check is on the
/// order of the printed events (`--json`), never on a clock.
@Suite("Lua bodies share the state fairly")
struct FairnessCommandLineTests {
    /// A busy loop of about 1 s of Lua (it completes), a memory bomb, a task past its timeout in
    /// `tide.sleep`, and ten quick tasks; all at once, and a failure does not stop the others.
    static let contention = """
        local tasks = {
          { id = "hog", priority = 10, run = function()
            local x = 0
            for i = 1, 100000000 do x = x + i end
            return x
          end },
          { id = "bomb", run = function()
            local t = {}
            for i = 1, 1e8 do t[i] = { i } end
          end },
          { id = "timed", timeout = 0.5, run = function() tide.sleep(30) end },
        }
        for i = 1, 10 do
          tasks[#tasks + 1] = { id = "quick" .. i, run = function() tide.sleep(0.02 * i) return i end }
        end
        -- runTime counts wall time while a body runs: on a loaded machine the hog needs far more than 1.5 s.
        return { id = "contention", concurrency = 16, failurePolicy = "continue", tasks = tasks,
          limits = { runTime = "10m" } }
        """

    static let quickTasks = (1...10).map { "quick\($0)" }

    /// One printed task event.
    struct Printed {
        var type: String
        var taskId: String
        var code: String?
        var message: String?
    }

    /// The task events of one `--json` run, in the order printed.
    struct Run {
        var outcome: TideProcess.Outcome
        var events: [Printed]

        /// The position of the event ending `taskId` (completed or failed), if there is one.
        func end(of taskId: String) -> Int? {
            events.firstIndex { $0.taskId == taskId && ($0.type == "TASK_COMPLETED" || $0.type == "TASK_FAILED") }
        }

        /// The event ending `taskId`.
        func ending(_ taskId: String) -> Printed? { end(of: taskId).map { events[$0] } }

        /// Everything printed, for messages.
        var printed: String { outcome.stdout + outcome.stderr }
    }

    /// Runs `source` with `tide run --json --in-memory` and reads its task events.
    static func run(_ source: String, _ arguments: [String] = []) async throws -> Run {
        let plan = try writePlan(source)
        let outcome = try await offThePool {
            try TideProcess.run(["run", plan, "--json", "--in-memory", "--no-alerts", "--no-recovery"] + arguments)
        }
        let events = outcome.stdout.split(separator: "\n").compactMap { line -> Printed? in
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
            guard let event = object?["event"], let type = event["type"]?.stringValue,
                let taskId = event["taskId"]?.stringValue
            else { return nil }
            return Printed(
                type: type, taskId: taskId, code: event["data"]?["code"]?.stringValue,
                message: event["data"]?["message"]?.stringValue)
        }
        return Run(outcome: outcome, events: events)
    }

    @Test func run_whenAHogABombAndATimedTaskShareTheState_theOthersFinishFirst_andEachFailsAlone() async throws {
        let run = try await Self.run(Self.contention)
        #expect(run.outcome.status == 1, "\(run.printed)")
        let hogEnd = try #require(run.end(of: "hog"), "the hog never ended: \(run.printed)")
        #expect(run.events[hogEnd].type == "TASK_COMPLETED", "the hog itself fails nothing: \(run.printed)")
        for task in Self.quickTasks {
            let end = try #require(run.end(of: task), "\(task) never ended: \(run.printed)")
            #expect(run.events[end].type == "TASK_COMPLETED", "\(task): \(run.events[end])")
            #expect(end < hogEnd, "\(task) waited for the hog to end")
        }
        let timed = try #require(run.ending("timed"), "the timed task never ended: \(run.printed)")
        #expect(timed.type == "TASK_FAILED" && timed.code == "TIMEOUT", "\(timed)")
        #expect((run.end(of: "timed") ?? .max) < hogEnd, "the timed task's timeout waited for the hog to end")
        let bomb = try #require(run.ending("bomb"), "the bomb never ended: \(run.printed)")
        #expect(bomb.type == "TASK_FAILED" && bomb.code == "MEMORY_LIMIT", "\(bomb)")
        #expect(bomb.message?.contains("taskMemory") == true, "\(bomb.message ?? "no message")")
    }

    /// The control of the test above: with preemption off, the hog holds the state from its start
    /// to its end, and every quick task ends after it.
    @Test func run_withSlicesOff_theHogHoldsTheStateAndTheQuickTasksEndAfterIt() async throws {
        let run = try await Self.run(Self.contention, ["--limit", "slice=none"])
        let hogEnd = try #require(run.end(of: "hog"), "the hog never ended: \(run.printed)")
        #expect(run.events[hogEnd].type == "TASK_COMPLETED", "\(run.printed)")
        for task in Self.quickTasks {
            let end = try #require(run.end(of: task), "\(task) never ended: \(run.printed)")
            #expect(run.events[end].type == "TASK_COMPLETED", "\(task): \(run.events[end])")
            #expect(end > hogEnd, "\(task) ended before the hog although nothing pauses it")
        }
    }

    @Test func run_whenASortComparatorHoldsTheStatePastHoldTime_failsWithScriptTimeout_andTheOthersComplete()
        async throws
    {
        let run = try await Self.run(
            """
            local tasks = { { id = "sorter", run = function()
              local t = {}
              for i = 1, 200000 do t[i] = (i * 7919) % 200003 end
              table.sort(t, function(a, b) for _ = 1, 200 do end return a < b end)
              return t[1]
            end } }
            for i = 1, 5 do
              tasks[#tasks + 1] = { id = "neighbour" .. i, run = function()
                local x = 0
                for _ = 1, 20 do
                  tide.sleep(0.01)
                  for j = 1, 10000 do x = x + j end
                end
                return x
              end }
            end
            return { id = "sorting", concurrency = 8, failurePolicy = "continue", tasks = tasks }
            """)
        #expect(run.outcome.status == 1, "\(run.printed)")
        let sorter = try #require(run.ending("sorter"), "the sorter never ended: \(run.printed)")
        #expect(sorter.type == "TASK_FAILED" && sorter.code == "SCRIPT_TIMEOUT", "\(sorter)")
        #expect(sorter.message?.contains("holdTime") == true, "\(sorter.message ?? "no message")")
        for i in 1...5 {
            let neighbour = run.ending("neighbour\(i)")
            #expect(neighbour?.type == "TASK_COMPLETED", "neighbour\(i): \(String(describing: neighbour))")
        }
    }
}
