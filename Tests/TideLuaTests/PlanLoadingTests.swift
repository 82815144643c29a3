import Foundation
import Testing
import Tide

@Suite("Plan loading")
struct PlanLoadingTests {
    @Test func load_whenPlanUsesEveryField_readsThemAll() async throws {
        let loaded = try await loadPlan(
            """
            local plan = require "tide.plan"
            return plan {
              id = "etl", name = "Nightly ETL", concurrency = 3, failurePolicy = "continue",
              variables = { region = "eu", batch = 500 }, timeout = "1h",
              pools = { { type = "gpu", capacity = 2, costPerUnitSecond = 0.5, attributes = { memory = 16384 } } },
              tasks = {
                { id = "extract", priority = 8, timeout = "30s", estimatedDuration = 2.5,
                  resources = { { type = "computational", amount = 2, duration = 1000, priority = 7,
                                  constraints = { minMemory = 1024 } } },
                  run = function() end },
                { id = "load", after = "extract", optional = true, fallback = function() end,
                  run = function() end },
              },
            }
            """)
        let plan = loaded.plan
        #expect(plan.id == "etl")
        #expect(plan.name == "Nightly ETL")
        #expect(plan.maxConcurrency == 3)
        #expect(plan.failurePolicy == .continueIndependent)
        #expect(plan.variables == ["region": "eu", "batch": 500])
        #expect(plan.timeout == .seconds(3600))
        #expect(
            loaded.pools == [
                ResourcePool(type: "gpu", capacity: 2, costPerUnitSecond: 0.5, attributes: ["memory": 16384])
            ])
        let extract = plan.tasks[0]
        #expect(extract.priority == 8)
        #expect(extract.timeout == .seconds(30))
        #expect(extract.estimatedDuration == .milliseconds(2500))
        #expect(
            extract.resources == [
                ResourceRequirement(
                    type: "computational", amount: 2, duration: 1000, priority: 7, constraints: ["minMemory": 1024])
            ])
        #expect(extract.location?.line == 10)
        #expect(plan.tasks[1].dependencies == ["extract"])
        #expect(plan.tasks[1].optional)
        #expect(plan.tasks[1].fallback != nil)
    }

    @Test func load_whenTasksAreBuiltInALoop_readsTheFanOut() async throws {
        let loaded = try await loadPlan(
            """
            local plan = require "tide.plan"
            local shards = plan.each({ "a", "b", "c" }, function(name)
              return { id = "shard-" .. name, run = function() return name end }
            end)
            return plan { tasks = plan.concat({ { id = "join", after = plan.ids(shards), run = function() end } }, shards) }
            """)
        #expect(loaded.plan.id == "plan")  // the file name when the plan has no id
        #expect(loaded.plan.tasks.map(\.id) == ["join", "shard-a", "shard-b", "shard-c"])
        #expect(loaded.plan.tasks[0].dependencies == ["shard-a", "shard-b", "shard-c"])
    }

    @Test func load_whenPlanHasManyMistakes_reportsEveryOneWithItsLine() async {
        let found = await problems(
            """
            return {
              id = "bad", concurrency = 0, colour = "red",
              tasks = {
                { id = "a", run = function() end, timeout = "5 parsecs" },
                { id = "b", depends = { "a" }, run = function() end },
                { id = "c", after = { "d" }, priority = 11, run = function() end },
                { id = "d", after = { "c" }, run = function() end },
                { id = "e", after = { "aa" }, run = function() end },
                { after = { "a" }, run = function() end },
                { id = "f", run = "not a function" },
                { id = "a", run = function() end },
              },
            }
            """)
        let messages = found.map(\.description)
        #expect(found.count == 10, "\(messages)")
        func has(_ line: Int?, _ text: String) -> Bool {
            found.contains { $0.location?.line == line && $0.message.contains(text) }
        }
        #expect(has(nil, "unknown field 'colour'"))
        #expect(has(nil, "concurrency must be a whole number of at least 1"))
        #expect(has(4, "unknown unit 'parsecs'"))
        #expect(has(5, "unknown field 'depends' (did you mean 'after'?)"))
        #expect(has(6, "priority 11"))
        #expect(has(6, "c → d → c"))
        #expect(has(8, "did you mean 'a'?"))
        #expect(has(9, "has no id"))
        #expect(has(nil, "task 'f': run must be a function, got a string"))
        #expect(has(11, "used twice"))
        #expect(found.allSatisfy { $0.location == nil || $0.location?.file.hasSuffix("plan.lua") == true })
    }

    @Test func load_whenTaskHasNoRun_saysToAddOne() async {
        let found = await problems(#"return { tasks = { { id = "a" } } }"#)
        #expect(found.map(\.message) == [#"task 'a': has no run function: add run = function(ctx) … end"#])
    }

    @Test func load_whenFieldHasWrongType_namesTheTypes() async {
        let found = await problems(
            """
            return { tasks = {
              { id = "a", priority = "high", optional = "yes", after = 3, resources = "gpu", run = function() end },
            } }
            """)
        let text = found.map(\.message).joined(separator: "\n")
        #expect(text.contains("priority must be a whole number from 0 to 10, got \"high\""))
        #expect(text.contains("optional must be true or false"))
        #expect(text.contains("after must be a task id or a list of them, got a number"))
        #expect(text.contains("resources must be a list of { type = …, amount = … } tables"))
        #expect(found.count == 4)
    }

    @Test func load_whenPlanFieldsAreWrong_namesEachOne() async {
        let found = await problems(
            """
            return {
              id = "", failurePolicy = "ignore", variables = { f = function() end }, timeout = "forever",
              pools = { { type = "gpu" }, { capacity = 1 } },
              tasks = { "not a task" },
            }
            """)
        let text = found.map(\.message).joined(separator: "\n")
        #expect(text.contains("id must be a non-empty string"))
        #expect(text.contains(#"failurePolicy must be "abort" (the default) or "continue", got "ignore""#))
        #expect(text.contains("variables.f holds a function"))
        #expect(text.contains(#"the plan's timeout: "forever" is not a duration"#))
        #expect(text.contains("pools[1] needs capacity"))
        #expect(text.contains("pools[2] needs type"))
        #expect(text.contains("task #1 must be a table"))
    }

    @Test func load_whenResourceRequirementIsWrong_namesTheField() async {
        let found = await problems(
            #"return { tasks = { { id = "a", run = function() end, resources = { { type = "gpu", amout = 1, priority = "hi" } } } } }"#
        )
        let text = found.map(\.message).joined(separator: "\n")
        #expect(text.contains(#"resources[1] has an unknown field "amout" (did you mean 'amount'?)"#))
        #expect(text.contains("resources[1] needs amount = <number>"))
        #expect(text.contains("resources[1].priority must be a whole number"))
    }

    @Test func load_whenPlanFileReturnsNothing_saysHowToEndIt() async {
        let found = await problems("local x = 1")
        #expect(found.first?.message.contains("the plan file returned nothing") == true)
    }

    @Test func load_whenPlanHasASyntaxError_placesIt() async {
        let found = await problems("return {\n  tasks = {\n")
        #expect(found.count == 1)
        #expect(found.first?.location?.line == 3)
        #expect(found.first?.message.hasPrefix("syntax error") == true)
    }

    @Test func load_whenPlanScriptRaises_placesTheError() async {
        let found = await problems("local cfg = nil\nreturn { id = cfg.name }")
        #expect(found.first?.location?.line == 2)
        #expect(found.first?.message.contains("attempt to index a nil value (local 'cfg')") == true)
    }

    @Test func load_whenFileIsMissing_saysSo() async {
        do {
            _ = try await LuaPlan.load(file: "/nonexistent/plan.lua")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.description.contains("cannot read the plan: there is no such file"))
        }
    }

    @Test func load_whenPlanCallsTaskOnlyFunctionsAtTopLevel_explains() async {
        let found = await problems(#"tide.emit("too early") return { tasks = { { id = "a", run = function() end } } }"#)
        #expect(found.first?.message.contains("tide.emit can only be used while a task runs") == true)
    }

    @Test func load_whenPlanRequiresAModuleBesideIt_findsIt() async throws {
        let folder = try temporaryFolder()
        try "return { greet = function(n) return 'hi ' .. n end }".write(
            to: folder.appendingPathComponent("helpers.lua"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("plan.lua")
        try
            #"local h = require "helpers" return { tasks = { { id = "a", run = function() return h.greet("x") end } } }"#
            .write(to: file, atomically: true, encoding: .utf8)
        let loaded = try await LuaPlan.load(file: file.path, options: LuaPlanOptions(stdlibPath: stdlibPath))
        let result = try await DefaultExecutionEngine().execute(loaded.plan)
        #expect(result.result == ["a": "hi x"])
    }

    @Test func load_whenVariablesAndConcurrencyAreOverridden_usesTheOverrides() async throws {
        let loaded = try await loadPlan(
            #"return { concurrency = 2, variables = { a = 1, b = 2 }, tasks = { { id = "t", run = function() end } } }"#,
            options: LuaPlanOptions(variables: ["b": 20, "c": "x"], maxConcurrency: 5))
        #expect(loaded.plan.variables == ["a": 1, "b": 20, "c": "x"])
        #expect(loaded.plan.maxConcurrency == 5)
    }

    @Test func planHelper_whenGivenNoTable_saysWhatThePlanFileReturned() async {
        let found = await problems("local plan = require 'tide.plan'\n\nreturn plan(42)")
        #expect(found.first?.message.contains("the plan file returned a number") == true)
    }

    @Test func planHelpers_whenMisused_raiseAtTheCaller() async {
        let found = await problems(
            "local plan = require 'tide.plan'\nlocal t = plan.each(nil, print)\nreturn plan { tasks = t }")
        #expect(found.first?.location?.line == 2)
        #expect(found.first?.message.contains("plan.each: items must be a list, got nil") == true)
    }
}

@Suite("Durations and data")
struct DurationAndDataTests {
    @Test(arguments: [
        ("500ms", 0.5), ("30s", 30), ("5m", 300), ("1h", 3600), ("1m30s", 90), ("1.5s", 1.5), ("250us", 0.00025),
        ("2 minutes", 120), ("1h 30m", 5400),
    ])
    func parse_whenTextHasUnits_addsThemUp(text: String, seconds: Double) throws {
        let duration = try DurationText.parse(text).get()
        #expect(
            abs(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 - seconds) < 1e-9)
    }

    @Test func parse_whenNumber_readsSeconds() throws {
        #expect(try DurationText.parse(.integer(30)).get() == .seconds(30))
        #expect(try DurationText.parse(.number(0.25)).get() == .milliseconds(250))
    }

    @Test(arguments: ["", "5", "fast", "5 parsecs", "-1s"])
    func parse_whenTextIsNotADuration_explainsWithAHint(text: String) {
        guard case .failure(let error) = DurationText.parse(text) else {
            Issue.record("'\(text)' parsed")
            return
        }
        #expect(error.description.contains(#""500ms", "30s""#))
    }

    @Test func json_whenTableHoldsAFunction_namesTheKeyPath() async throws {
        let runtime = try LuaRuntime()
        let value = try await runtime.withState { lua in
            let sandbox = try lua.makeSandbox()
            let chunk = try lua.load(
                "return { a = { 1, { handler = function() end } } }", name: .label("t"), in: sandbox)
            return try lua.call(chunk)[0]
        }
        #expect(throws: LuaError.self) { try DataConversion.json(value, path: "ctx.state") }
        do {
            _ = try DataConversion.json(value, path: "ctx.state")
        } catch {
            #expect(error.message.contains("ctx.state.a[2].handler holds a function, which is not data"))
        }
    }

    @Test func json_whenValueIsData_keepsIntegersApartFromFloats() throws {
        let value: LuaValue = ["n": 3, "x": 1.5, "list": [1, 2], "flag": true, "none": [:]]
        #expect(
            try DataConversion.json(value, path: "v")
                == ["n": 3, "x": 1.5, "list": [1, 2], "flag": true, "none": .object([:])])
        #expect(DataConversion.lua(["n": 3, "x": 1.5]) == ["n": 3, "x": 1.5])
    }
}
