import Foundation
import Testing

/// `--limit`, the final `--json` line and script files' limits, through the `tide` binary.
@Suite("Limits through tide")
struct LimitsCommandLineTests {
    static let emitter = """
        return { limits = { maxEvents = 100 }, tasks = { { id = "t", run = function()
          for i = 1, 5 do tide.emit("event " .. i) end
          return "done"
        end } } }
        """

    @Test func run_withAnUnknownLimit_exitsWithUsage_andSuggestsTheName() async throws {
        let plan = try writePlan(Self.emitter)
        let outcome = try await offThePool {
            try TideProcess.run(["run", plan, "--in-memory", "--limit", "maxEvnts=3"])
        }
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--limit maxEvnts=3: there is no limit 'maxEvnts' (did you mean 'maxEvents'?)"))
    }

    @Test func run_withALimit_overridesThePlansOwn() async throws {
        let plan = try writePlan(Self.emitter)
        let outcome = try await offThePool {
            try TideProcess.run(["run", plan, "--in-memory", "--json", "--limit", "maxEvents=2"])
        }
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("QUOTA_EXCEEDED"))
        #expect(outcome.stdout.components(separatedBy: "\"type\":\"CUSTOM\"").count - 1 == 2)
    }

    @Test func run_json_lastLineCountsTheTimeline_insteadOfRepeatingIt() async throws {
        let plan = try writePlan(Self.emitter)
        let outcome = try await offThePool { try TideProcess.run(["run", plan, "--in-memory", "--json"]) }
        #expect(outcome.status == 0)
        let lines = outcome.stdout.split(separator: "\n")
        let events = lines.filter { $0.hasPrefix("{\"event\"") }.count
        let last = try #require(lines.last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let result = try #require(object["result"] as? [String: Any])
        #expect(result["timeline"] == nil)
        #expect(result["timelineEvents"] as? Int == events)
        #expect(result["status"] as? String == "COMPLETED")
    }

    @Test func run_jsonTimeline_putsTheTimelineBack() async throws {
        let plan = try writePlan(Self.emitter)
        let outcome = try await offThePool { try TideProcess.run(["run", plan, "--in-memory", "--json-timeline"]) }
        let last = try #require(outcome.stdout.split(separator: "\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let timeline = try #require((object["result"] as? [String: Any])?["timeline"] as? [Any])
        #expect(timeline.count == outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("{\"event\"") }.count)
    }

    @Test func strategy_withALimitThatIsNotItsOwn_isRejectedWithTheLimitsItMaySet() async throws {
        let folder = try temporaryFolder()
        let recovery = folder.appendingPathComponent("recovery")
        try FileManager.default.createDirectory(at: recovery, withIntermediateDirectories: true)
        try """
        return { id = "r", applicableErrors = { "*" }, limits = { maxEvents = 3 },
                 execute = function() return nil end }
        """.write(to: recovery.appendingPathComponent("r.lua"), atomically: true, encoding: .utf8)
        let plan = try writePlan(#"return { tasks = { { id = "t", run = function() return 1 end } } }"#)
        let outcome = try await offThePool {
            try TideProcess.run(["run", plan, "--in-memory", "--recovery", recovery.path, "--no-alerts"])
        }
        #expect(
            (outcome.stdout + outcome.stderr).contains(
                "maxEvents does not apply to a recovery strategy (it may set runTime, instructions)"),
            "\(outcome.stdout)\(outcome.stderr)")
    }

    @Test func strategy_cannotSwitchOffOrRaiseItsTimeLimit() async throws {
        let folder = try temporaryFolder()
        let recovery = folder.appendingPathComponent("recovery")
        try FileManager.default.createDirectory(at: recovery, withIntermediateDirectories: true)
        try """
        return { id = "forever", applicableErrors = { "*" }, limits = { runTime = false },
                 execute = function() while true do end end }
        """.write(to: recovery.appendingPathComponent("forever.lua"), atomically: true, encoding: .utf8)
        let plan = try writePlan(#"return { tasks = { { id = "t", run = function() error("boom") end } } }"#)
        let outcome = try await offThePool {
            try TideProcess.run(["run", plan, "--in-memory", "--recovery", recovery.path, "--no-alerts"])
        }
        #expect(outcome.status == 1)
        #expect((outcome.stdout + outcome.stderr).contains("may only be lower than the scripts' own limit"))
    }

    @Test func strategy_withItsOwnRunTime_isStoppedByIt() async throws {
        let folder = try temporaryFolder()
        let recovery = folder.appendingPathComponent("recovery")
        try FileManager.default.createDirectory(at: recovery, withIntermediateDirectories: true)
        try """
        return { id = "spin", applicableErrors = { "*" }, limits = { runTime = "100ms" },
                 execute = function() while true do end end }
        """.write(to: recovery.appendingPathComponent("spin.lua"), atomically: true, encoding: .utf8)
        let plan = try writePlan(#"return { tasks = { { id = "t", run = function() error("boom") end } } }"#)
        let outcome = try await offThePool {
            try TideProcess.run(["run", plan, "--in-memory", "--json", "--recovery", recovery.path, "--no-alerts"])
        }
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("RECOVERY_FAILED"))
        #expect(outcome.stdout.contains("SCRIPT_TIMEOUT"))
    }

    @Test func planFile_printingInALoop_printsAFewLinesThenSaysTheRestIsDropped() async throws {
        let plan = try writePlan(
            """
            for i = 1, 100000 do print("loading " .. i) end
            return { tasks = { { id = "t", run = function() return 1 end } } }
            """)
        let outcome = try await offThePool { try TideProcess.run(["run", plan, "--in-memory", "--quiet"]) }
        #expect(outcome.status == 0)
        #expect(outcome.stderr.components(separatedBy: "loading ").count - 1 == 1000)
        #expect(
            outcome.stderr.contains("the plan file has logged too much (maxMessages): its further messages are dropped")
        )
    }
}
