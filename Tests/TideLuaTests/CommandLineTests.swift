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
    func run_whenExamplePlanRuns_completesAndPrintsTheSummary(name: String) async throws {
        try await offThePool {
            let run = try TideProcess.run(["run", "scripts/plans/\(name)"])
            #expect(run.status == 0, "\(run.stderr)\n\(run.stdout)")
            #expect(run.stdout.contains("EXECUTION_STARTED"))
            #expect(run.stdout.contains("Metrics analysis: plan"))
            #expect(run.stdout.contains("status       COMPLETED"))
            for label in ["duration", "efficiency", "cost", "quality", "success rate", "throughput", "error rate"] {
                #expect(run.stdout.contains("  \(label)"), "the summary has no \(label)")
            }
        }
    }

    @Test func run_whenJsonIsAsked_printsOneObjectPerLineAndTheResultLast() async throws {
        try await offThePool {
            let run = try TideProcess.run(["run", "scripts/plans/quickstart.lua", "--json"])
            #expect(run.status == 0)
            let lines = run.stdout.split(separator: "\n")
            let objects = try lines.map { try JSONDecoder().decode([String: JSONValue].self, from: Data($0.utf8)) }
            let first = try #require(objects.first?["execution"], "the first line says which execution it is")
            #expect(first["planId"] == "quickstart")
            #expect(first["executionId"]?.stringValue?.count == 36)
            #expect(first["store"]?.stringValue?.hasSuffix("tide.db") == true)
            #expect(objects.dropFirst().dropLast().allSatisfy { $0["event"] != nil || $0["message"] != nil })
            let started = objects.compactMap { $0["event"] }.first
            #expect(started?["data"]?["executionId"] == first["executionId"], "EXECUTION_STARTED carries the id")
            let result = try #require(objects.last?["result"])
            #expect(result["status"] == "COMPLETED")
            #expect(result["result"]?["report"] == "hello: 84 rows")
            let eventIds = objects.compactMap { $0["event"]?["id"]?.stringValue }.compactMap(Int.init)
            #expect(eventIds == Array(1...eventIds.count), "every event once, in order")
        }
    }

    @Test func run_whenATaskFailsForGood_exitsOne() async throws {
        try await offThePool {
            let plan = try writePlan(#"return { tasks = { { id = "t", run = function() error("broken") end } } }"#)
            let run = try TideProcess.run(["run", plan])
            #expect(run.status == 1)
            #expect(run.stdout.contains("plan.lua:1: broken"))
            #expect(run.stdout.contains("status       FAILED"))
        }
    }

    @Test func run_whenPlanIsInvalid_exitsTwoAndListsEveryProblem() async throws {
        try await offThePool {
            let plan = try writePlan(
                #"return { tasks = { { id = "a", after = "b", run = function() end }, { id = "c", timeout = "soon", run = function() end } } }"#
            )
            let run = try TideProcess.run(["run", plan])
            #expect(run.status == 2)
            #expect(run.stderr.contains("2 problems, nothing was run"))
            #expect(run.stderr.contains("plan.lua:1: task 'a' depends on 'b'"))
            #expect(run.stderr.contains("task 'c': timeout: \"soon\""))
        }
    }

    @Test func run_whenVariablesAndConcurrencyAreGiven_tasksSeeThem() async throws {
        try await offThePool {
            let plan = try writePlan(
                #"return { tasks = { { id = "t", run = function(ctx) return { ctx.vars.n + 1, ctx.vars.name } end } } }"#
            )
            let run = try TideProcess.run([
                "run", plan, "--var", "n=41", "--var", "name=x", "--concurrency", "2", "--json",
            ])
            #expect(run.status == 0)
            #expect(run.stdout.contains(#""result":{"t":[42,"x"]}"#))
        }
    }

    @Test func run_whenInterrupted_cancelsGracefullyAndExits130() async throws {
        try await offThePool {
            let plan = try writePlan(#"return { tasks = { { id = "wait", run = function() tide.sleep(300) end } } }"#)
            let run = try TideProcess.run(["run", plan]) { process, output in
                guard try output.expect("TASK_STARTED", from: process) else { return }
                kill(process.processIdentifier, SIGINT)
            }
            #expect(run.status == 130)
            #expect(run.stdout.contains("EXECUTION_CANCELLED"))
            #expect(run.stdout.contains("status       CANCELLED"))
        }
    }

    @Test func validate_whenPlanIsValid_printsOkAndTheTaskCount() async throws {
        try await offThePool {
            let run = try TideProcess.run(["validate", "scripts/plans/fanout.lua"])
            #expect(run.status == 0)
            #expect(run.stdout == "ok: plan 'fanout' has 9 tasks\n")
        }
    }

    @Test func validate_whenPlanIsInvalid_exitsTwo() async throws {
        try await offThePool {
            let plan = try writePlan(#"return { tasks = { { id = "a" } } }"#)
            let run = try TideProcess.run(["validate", plan])
            #expect(run.status == 2)
            #expect(run.stderr.contains("has no run function"))
        }
    }

    @Test func graph_printsTheDagInDot() async throws {
        try await offThePool {
            let run = try TideProcess.run(["graph", "scripts/plans/quickstart.lua"])
            #expect(run.status == 0)
            #expect(run.stdout.hasPrefix("digraph \"quickstart\" {"))
            #expect(run.stdout.contains(#""extract" -> "transform";"#))
            #expect(run.stdout.contains(#""transform" -> "report";"#))
        }
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

    /// What the process has written so far: both streams are drained by reader threads into
    /// buffers, and waiting for a line is waiting on a condition that each new chunk signals — no
    /// polling, no sleeping, and no pipe can fill up.
    final class Output: @unchecked Sendable {
        // @unchecked Sendable: `buffers` and `open` are read and written only with `condition` held.
        private let condition = NSCondition()
        private var buffers = ["", ""]
        private var open = 2
        private let handles: [FileHandle]

        init(stdout: FileHandle, stderr: FileHandle) {
            handles = [stdout, stderr]
            for (index, handle) in [stdout, stderr].enumerated() {
                Thread.detachNewThread { [self] in
                    while true {
                        let data = handle.availableData  // blocks until data or end of file
                        condition.lock()
                        if data.isEmpty { open -= 1 } else { buffers[index] += String(decoding: data, as: UTF8.self) }
                        condition.broadcast()
                        condition.unlock()
                        if data.isEmpty { return }
                    }
                }
            }
        }

        /// Standard output and standard error so far.
        var stdout: String { read { $0[0] } }
        var stderr: String { read { $0[1] } }

        private func read<T>(_ body: ([String]) -> T) -> T {
            condition.lock()
            defer { condition.unlock() }
            return body(buffers)
        }

        /// Waits (up to a guard of 30 s) until `stream` (0 stdout, 1 stderr) satisfies `test`, or both
        /// streams have ended; returns whether it did.
        func wait(on stream: Int, for test: (String) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(30)
            condition.lock()
            defer { condition.unlock() }
            while !test(buffers[stream]) {
                if open == 0 || !condition.wait(until: deadline) { return test(buffers[stream]) }
            }
            return true
        }

        /// Waits until standard output contains `text`.
        func waitFor(_ text: String) throws -> Bool { wait(on: 0) { $0.contains(text) } }

        /// Waits until standard error contains `text`.
        func waitForError(_ text: String) throws -> Bool { wait(on: 1) { $0.contains(text) } }

        /// Waits until standard output contains `text` at least `count` times.
        func waitFor(_ text: String, count: Int) -> Bool {
            wait(on: 0) { $0.components(separatedBy: text).count - 1 >= count }
        }

        /// Waits until both streams have ended (the process and everything holding them exited),
        /// then closes them: a test process runs hundreds of `tide`s, and the pipes' descriptors
        /// would otherwise stay open until their objects happen to be freed.
        func waitForEnd() -> Bool {
            let deadline = Date().addingTimeInterval(30)
            condition.lock()
            defer { condition.unlock() }
            while open > 0 {
                if !condition.wait(until: deadline) { return false }
            }
            for handle in handles { try? handle.close() }
            return true
        }

        /// Waits for `text` on standard output; if it never comes, records an issue with what the
        /// process printed and kills it, so the test fails at once instead of at the hang guard.
        func expect(_ text: String, from process: Process) throws -> Bool {
            if try waitFor(text) { return true }
            Issue.record("'\(text)' never appeared.\nstdout:\n\(stdout)\nstderr:\n\(stderr)")
            kill(process.processIdentifier, SIGKILL)
            return false
        }
    }

    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("tide")
    }

    /// A `tide` process that was started and may still run.
    struct Running {
        let process: Process
        let output: Output
        let arguments: [String]
        private let finished: DispatchSemaphore

        init(process: Process, output: Output, arguments: [String], finished: DispatchSemaphore) {
            self.process = process
            self.output = output
            self.arguments = arguments
            self.finished = finished
        }

        /// The process id.
        var pid: Int32 { process.processIdentifier }

        /// Waits for the process to end (killing it after the hang guard) and for its output.
        func wait() throws -> Outcome {
            if finished.wait(timeout: .now() + 120) == .timedOut {
                process.terminate()
                throw Hung(arguments: arguments)
            }
            finished.signal()  // a later wait() returns at once
            _ = output.waitForEnd()
            return Outcome(status: process.terminationStatus, stdout: output.stdout, stderr: output.stderr)
        }
    }

    /// Starts `tide` (or `executable`) with `arguments`; the store is `database` (a fresh temporary
    /// file by default).
    static func start(_ arguments: [String], database: String? = nil, executable: URL? = nil) throws -> Running {
        let folder = try temporaryFolder()
        let process = Process()
        process.executableURL = executable ?? Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        var environment = ProcessInfo.processInfo.environment
        environment["TIDE_STDLIB"] = stdlibPath
        environment["TIDE_DB"] = database ?? folder.appendingPathComponent("tide.db").path
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        let output = Output(stdout: stdout.fileHandleForReading, stderr: stderr.fileHandleForReading)
        return Running(process: process, output: output, arguments: arguments, finished: finished)
    }

    /// Runs `tide` with `arguments` to its end; `during` runs while it runs.
    static func run(
        _ arguments: [String], database: String? = nil, executable: URL? = nil,
        during: ((Process, Output) throws -> Void)? = nil
    ) throws -> Outcome {
        let running = try start(arguments, database: database, executable: executable)
        try during?(running.process, running.output)
        return try running.wait()
    }
}
