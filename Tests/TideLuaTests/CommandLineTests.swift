import Foundation
import Testing
import Tide

#if canImport(Glibc)
    import Glibc
#endif

/// The built `tide` binary, run as a user runs it.
@Suite("The tide command line tool")
struct CommandLineTests {
    static let examples: [String] = {
        let folder = repositoryRoot.appendingPathComponent("scripts/plans")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".lua") }.sorted()
    }()

    @Test func examples_areThere() {
        #expect(Self.examples.count >= 4, "scripts/plans has \(Self.examples)")
    }

    @Test(arguments: examples)
    func run_whenExamplePlanRuns_completesAndPrintsTheSummary(name: String) throws {
        let run = try TideProcess.run(["run", "scripts/plans/\(name)"])
        #expect(run.status == 0, "\(run.stderr)\n\(run.stdout)")
        #expect(run.stdout.contains("EXECUTION_STARTED"))
        #expect(run.stdout.contains("Metrics analysis: plan"))
        #expect(run.stdout.contains("status       COMPLETED"))
        for label in ["duration", "efficiency", "cost", "quality", "success rate", "throughput", "error rate"] {
            #expect(run.stdout.contains("  \(label)"), "the summary has no \(label)")
        }
    }

    @Test func run_whenJsonIsAsked_printsOneObjectPerLineAndTheResultLast() throws {
        let run = try TideProcess.run(["run", "scripts/plans/quickstart.lua", "--json"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        let objects = try lines.map { try JSONDecoder().decode([String: JSONValue].self, from: Data($0.utf8)) }
        #expect(objects.dropLast().allSatisfy { $0["event"] != nil || $0["message"] != nil })
        let result = try #require(objects.last?["result"])
        #expect(result["status"] == "COMPLETED")
        #expect(result["result"]?["report"] == "hello: 84 rows")
        let eventIds = objects.compactMap { $0["event"]?["id"]?.stringValue }.compactMap(Int.init)
        #expect(eventIds == Array(1...eventIds.count), "every event once, in order")
    }

    @Test func run_whenATaskFailsForGood_exitsOne() throws {
        let plan = try writePlan(#"return { tasks = { { id = "t", run = function() error("broken") end } } }"#)
        let run = try TideProcess.run(["run", plan])
        #expect(run.status == 1)
        #expect(run.stdout.contains("plan.lua:1: broken"))
        #expect(run.stdout.contains("status       FAILED"))
    }

    @Test func run_whenPlanIsInvalid_exitsTwoAndListsEveryProblem() throws {
        let plan = try writePlan(
            #"return { tasks = { { id = "a", after = "b", run = function() end }, { id = "c", timeout = "soon", run = function() end } } }"#
        )
        let run = try TideProcess.run(["run", plan])
        #expect(run.status == 2)
        #expect(run.stderr.contains("2 problems, nothing was run"))
        #expect(run.stderr.contains("plan.lua:1: task 'a' depends on 'b'"))
        #expect(run.stderr.contains("task 'c': timeout: \"soon\""))
    }

    @Test func run_whenVariablesAndConcurrencyAreGiven_tasksSeeThem() throws {
        let plan = try writePlan(
            #"return { tasks = { { id = "t", run = function(ctx) return { ctx.vars.n + 1, ctx.vars.name } end } } }"#)
        let run = try TideProcess.run(["run", plan, "--var", "n=41", "--var", "name=x", "--concurrency", "2", "--json"])
        #expect(run.status == 0)
        #expect(run.stdout.contains(#""result":{"t":[42,"x"]}"#))
    }

    @Test func run_whenInterrupted_cancelsGracefullyAndExits130() throws {
        let plan = try writePlan(#"return { tasks = { { id = "wait", run = function() tide.sleep(300) end } } }"#)
        let run = try TideProcess.run(["run", plan]) { process, output in
            guard try output.expect("TASK_STARTED", from: process) else { return }
            kill(process.processIdentifier, SIGINT)
        }
        #expect(run.status == 130)
        #expect(run.stdout.contains("EXECUTION_CANCELLED"))
        #expect(run.stdout.contains("status       CANCELLED"))
    }

    @Test func validate_whenPlanIsValid_printsOkAndTheTaskCount() throws {
        let run = try TideProcess.run(["validate", "scripts/plans/fanout.lua"])
        #expect(run.status == 0)
        #expect(run.stdout == "ok: plan 'fanout' has 9 tasks\n")
    }

    @Test func validate_whenPlanIsInvalid_exitsTwo() throws {
        let plan = try writePlan(#"return { tasks = { { id = "a" } } }"#)
        let run = try TideProcess.run(["validate", plan])
        #expect(run.status == 2)
        #expect(run.stderr.contains("has no run function"))
    }

    @Test func graph_printsTheDagInDot() throws {
        let run = try TideProcess.run(["graph", "scripts/plans/quickstart.lua"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("digraph \"quickstart\" {"))
        #expect(run.stdout.contains(#""extract" -> "transform";"#))
        #expect(run.stdout.contains(#""transform" -> "report";"#))
    }
}

/// Runs the `tide` binary built next to the test bundle, with output in files (no pipe can fill up)
/// and a guard that kills it if it hangs.
enum TideProcess {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Hung: Error, CustomStringConvertible {
        var arguments: [String]
        var description: String { "tide \(arguments.joined(separator: " ")) hung: killed after 120 s" }
    }

    /// What the process has written to standard output (and standard error) so far.
    struct Output {
        let path: String
        let errorPath: String

        /// Waits for `text` on standard output; if it never comes, records an issue with what the
        /// process printed and kills it, so the test fails at once instead of at the hang guard.
        func expect(_ text: String, from process: Process) throws -> Bool {
            if try waitFor(text) { return true }
            let out = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let err = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            Issue.record("'\(text)' never appeared.\nstdout:\n\(out)\nstderr:\n\(err)")
            kill(process.processIdentifier, SIGKILL)
            return false
        }

        /// Polls (a bounded number of times) until standard error contains `text`.
        func waitForError(_ text: String) throws -> Bool {
            for _ in 0..<20_000 {
                if let content = try? String(contentsOfFile: errorPath, encoding: .utf8), content.contains(text) {
                    return true
                }
                usleep(1000)
            }
            return false
        }

        /// Polls (a bounded number of times) until the output contains `text`.
        func waitFor(_ text: String) throws -> Bool {
            for _ in 0..<20_000 {
                if let content = try? String(contentsOfFile: path, encoding: .utf8), content.contains(text) {
                    return true
                }
                usleep(1000)
            }
            return false
        }
    }

    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("tide")
    }

    /// Runs `tide` with `arguments`; the store is `database` (a fresh temporary file by default).
    static func run(
        _ arguments: [String], database: String? = nil, during: ((Process, Output) throws -> Void)? = nil
    ) throws -> Outcome {
        let folder = try temporaryFolder()
        let outPath = folder.appendingPathComponent("stdout").path
        let errPath = folder.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        var environment = ProcessInfo.processInfo.environment
        environment["TIDE_STDLIB"] = stdlibPath
        environment["TIDE_DB"] = database ?? folder.appendingPathComponent("tide.db").path
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        try during?(process, Output(path: outPath, errorPath: errPath))
        if finished.wait(timeout: .now() + 120) == .timedOut {
            process.terminate()
            throw Hung(arguments: arguments)
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
