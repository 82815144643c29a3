import Foundation
import Testing
import Tide
import TideTesting

@Suite("Alert handlers in Lua")
struct LuaAlertTests {
    /// An engine on a manual clock, monitoring sampled by hand, and a folder of handlers.
    struct Bench {
        let clock = ManualClock()
        let engine: DefaultExecutionEngine
        let monitoring: DefaultMonitoringSystem
        let alerts: LuaAlertFolder
        let folder: URL

        init(_ files: [String: String]) async throws {
            let engineClock = EngineClock(clock)
            folder = try temporaryFolder()
            for (name, source) in files {
                try source.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            engine = DefaultExecutionEngine(clock: engineClock)
            monitoring = DefaultMonitoringSystem(engine: engine, samplingInterval: nil)
            let scripts = try await LuaScripts(
                engine: engine,
                options: LuaScriptOptions(
                    limits: LuaLimits(memory: 64 << 20, runTime: .milliseconds(100)), clock: engineClock))
            alerts = LuaAlertFolder(path: folder.path, scripts: scripts, monitoring: monitoring)
        }

        /// Three tasks that fail at once and one that sleeps 100 s: the error rate is 0.75.
        func startFailingExecution() async throws -> String {
            let clock = self.clock
            var tasks = (1...3).map { n in
                PlanTask(id: "bad\(n)") { _ in throw ExecutionError(code: "BROKEN", message: "broken") }
            }
            tasks.append(
                PlanTask(id: "long") { _ in
                    try await clock.sleep(for: .seconds(100))
                    return "done"
                })
            let id = try await engine.start(ExecutionPlan(id: "p", failurePolicy: .continueIndependent, tasks: tasks))
            try await monitoring.startMonitoring(id)
            try await clock.waitForSleepers(count: 1)
            for _ in 0..<100_000 where try await engine.sample(id).metrics.errorRate < 0.7 { await Task.yield() }
            return id
        }

        func waitFor(_ id: String, status: ExecutionStatus) async throws -> Bool {
            for _ in 0..<1_000_000 {
                if try await engine.getStatus(id) == status { return true }
                await Task.yield()
            }
            return false
        }
    }

    @Test func handler_whenErrorRateStaysHigh_pausesTheExecutionAndResumesItLater() async throws {
        let bench = try await Bench([
            "error-rate.lua": """
            return {
              id = "pause-on-errors",
              condition = { metric = "errorRate", operator = ">", threshold = 0.5, duration = "1s" },
              handle = function(alert)
                tide.log.warning("pausing: " .. alert.message)
                tide.pause(alert.executionId)
                tide.sleep("5s")
                tide.resume(alert.executionId)
              end,
            }
            """
        ])
        let reports = await bench.alerts.reload()
        #expect(reports.allSatisfy { !$0.isRejection }, "\(reports)")
        let id = try await bench.startFailingExecution()
        await bench.monitoring.sampleNow()  // the condition holds: pending
        #expect(try await bench.engine.getStatus(id) == .running)
        bench.clock.advance(by: .seconds(1))
        await bench.monitoring.sampleNow()  // held for 1 s: firing
        #expect(try await bench.waitFor(id, status: .paused))
        try await bench.clock.waitForSleepers(count: 2)  // the long task and the handler's 5 s
        bench.clock.advance(by: .seconds(5))
        #expect(try await bench.waitFor(id, status: .running))
        bench.clock.advance(by: .seconds(100))
        let result = try await bench.engine.result(of: id)
        let types = result.timeline.map(\.type)
        #expect(types.contains(.executionPaused) && types.contains(.executionResumed))
        let messages = try await bench.engine.messages(of: id)
        #expect(messages.contains { $0.level == .warning && $0.message.hasPrefix("pausing: errorRate is 0.75") })
    }

    @Test func handler_whenItLoopsForever_isStoppedAndReportedAndMonitoringGoesOn() async throws {
        let bench = try await Bench([
            "loop.lua": """
            return { id = "loop", condition = { metric = "errorRate", operator = "gt", threshold = 0.5 },
                     handle = function() while true do end end }
            """
        ])
        _ = await bench.alerts.reload()
        let id = try await bench.startFailingExecution()
        await bench.monitoring.sampleNow()
        var report: ExecutionMessage?
        for _ in 0..<5_000_000 where report == nil {
            report = try await bench.engine.messages(of: id).first { $0.message.contains("alert handler 'loop'") }
            await Task.yield()
        }
        let message = try #require(report)
        #expect(message.level == .warning)
        #expect(message.message.contains("version 1 (loop.lua@1) failed in handle"))
        #expect(message.message.contains("SCRIPT_TIMEOUT"))
        await bench.monitoring.sampleNow()  // still sampling
        #expect(try await bench.engine.sample(id).metrics.errorRate > 0.5)
        bench.clock.advance(by: .seconds(100))
        _ = try await bench.engine.result(of: id)
    }

    @Test(arguments: [
        (
            "return { id = 'x', condition = { metric = 'nope', operator = '>', threshold = 1 }, handle = function() end }",
            "unknown metric 'nope'"
        ),
        (
            "return { id = 'x', condition = { metric = 'errorRate', operator = '~', threshold = 1 }, handle = function() end }",
            "condition.operator must be one of"
        ),
        (
            "return { id = 'x', condition = { metric = 'errorRate', operator = '>', threshold = 1 } }",
            "handle must be a function(alert)"
        ),
        (
            "return { id = 'x', condition = { metric = 'errorRate', operator = '>', threshold = 1, duration = 'soon' }, handle = function() end }",
            "condition.duration"
        ),
        ("return {", "SYNTAX_ERROR"),
    ])
    func load_whenTheNewTextIsBroken_thePreviousHandlerStays(source: String, expected: String) async throws {
        let good =
            "return { id = 'x', condition = { metric = 'errorRate', operator = '>', threshold = 0.5 }, handle = function() end }"
        let bench = try await Bench(["x.lua": good])
        _ = await bench.alerts.reload()
        try source.write(to: bench.folder.appendingPathComponent("x.lua"), atomically: true, encoding: .utf8)
        let reports = await bench.alerts.reload()
        #expect(reports.first?.isRejection == true)
        #expect(reports.first?.description.contains(expected) == true, "\(reports.first?.description ?? "")")
        let status = await bench.alerts.status
        #expect(status.first?.version == 1)
        #expect(status.first?.condition?.threshold == 0.5)
    }
}
