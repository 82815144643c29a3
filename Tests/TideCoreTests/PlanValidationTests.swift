import Testing
import TideCore

@Suite("Plan validation")
struct PlanValidationTests {
    private func task(
        _ id: String, after dependencies: [String] = [], priority: Int = 5, line: Int? = nil
    ) -> PlanTask {
        PlanTask(
            id: id, dependencies: dependencies, priority: priority,
            location: line.map { SourceLocation(file: "plan.lua", line: $0) }, body: .noop)
    }

    private func problems(_ plan: ExecutionPlan) -> [PlanValidationError.Problem] {
        do {
            try plan.validate()
            return []
        } catch {
            return error.problems
        }
    }

    @Test func validate_wellFormedPlan_passes() throws {
        let plan = ExecutionPlan(
            id: "etl",
            tasks: [
                task("extract"), task("transform", after: ["extract"]), task("load", after: ["transform", "extract"]),
            ])
        try plan.validate()
    }

    @Test func validate_emptyPlan_isReported() {
        #expect(problems(ExecutionPlan(id: "empty", tasks: [])).map(\.kind) == [.emptyPlan])
    }

    @Test func validate_manyMistakes_reportsEveryOneAtOnce() {
        var heavy = task("heavy", line: 9)
        heavy.resources = [ResourceRequirement(type: "memory", amount: -1, priority: 11)]
        heavy.timeout = .zero
        let plan = ExecutionPlan(
            id: "broken", maxConcurrency: 0,
            tasks: [
                task("a", line: 1), task("a", line: 2), task("", line: 3), task("b", after: ["extrct"], line: 4),
                task("extract", priority: 42, line: 5), heavy,
            ])
        let kinds = problems(plan).map(\.kind)
        #expect(
            Set(kinds) == [
                .invalidConcurrency, .duplicateId, .emptyId, .unknownDependency, .invalidPriority, .invalidAmount,
                .invalidTimeout,
            ])
        #expect(kinds.filter { $0 == .invalidPriority }.count == 2)
    }

    @Test func validate_unknownDependency_namesTaskPlaceAndSuggestsTheClosestId() throws {
        let plan = ExecutionPlan(id: "p", tasks: [task("extract", line: 3), task("load", after: ["extrct"], line: 7)])
        let problem = try #require(problems(plan).first)
        #expect(problem.kind == .unknownDependency)
        #expect(problem.taskId == "load")
        #expect(
            problem.description
                == "plan.lua:7: task 'load' depends on 'extrct', which is not a task of the plan (did you mean 'extract'?)"
        )
    }

    @Test func validate_duplicateId_pointsAtTheFirstDefinition() throws {
        let plan = ExecutionPlan(id: "p", tasks: [task("a", line: 1), task("a", line: 4)])
        let problem = try #require(problems(plan).first)
        #expect(problem.location == SourceLocation(file: "plan.lua", line: 4))
        #expect(problem.message.contains("first defined at plan.lua:1"))
    }

    @Test func validate_cycle_namesTheCyclesTasksInOrder() throws {
        let plan = ExecutionPlan(
            id: "p",
            tasks: [
                task("start"), task("a", after: ["start", "c"]), task("b", after: ["a"]), task("c", after: ["b"]),
                task("after", after: ["c"]),
            ])
        let cycles = problems(plan).filter { $0.kind == .cycle }
        #expect(cycles.count == 1)
        #expect(cycles.first?.message.contains("a → c → b → a") == true)
    }

    @Test func validate_selfDependencyAndTwoSeparateCycles_areEachReported() {
        let plan = ExecutionPlan(
            id: "p", tasks: [task("self", after: ["self"]), task("x", after: ["y"]), task("y", after: ["x"])])
        let messages = problems(plan).filter { $0.kind == .cycle }.map(\.message)
        #expect(messages.count == 2)
        #expect(messages.contains { $0.contains("self → self") })
        #expect(messages.contains { $0.contains("x → y → x") })
    }

    @Test func errorDescription_listsOneProblemPerLine() {
        let error = PlanValidationError(
            planId: "p",
            problems: [
                .init(
                    kind: .emptyId, taskId: "", location: SourceLocation(file: "plan.lua", line: 3),
                    message: "a task has an empty id"),
                .init(kind: .invalidConcurrency, message: "concurrency is 0"),
            ])
        #expect(
            error.description
                == "plan 'p' is invalid (2 problems):\n  - plan.lua:3: a task has an empty id\n  - concurrency is 0")
    }
}
