import Foundation
import Testing

/// The hostile task bodies of `HostilePlans/cases/`, run through `tide run --json` as a user runs
/// them: each alone beside normal tasks, then all of them at once in one execution. Each case file
/// is a module returning a task body, with the code its task must end with (`-- expect: CODE`, `OK`
/// for a task that completes), a part of the message (`-- message: …`), and the codes it may end
/// with instead when it runs beside all the others (`-- shared: CODE …`): the message quotas and
/// the memory cap belong to the execution, so a body that logs or allocates much may meet them
/// first when the floods and bombs run at once.
///
/// A case may return `{ run = body, timeout = seconds }` instead of the body alone. Cases that start
/// processes name their `sleep`s with the run's marker (`sleep ctx.vars.marker`, a number no other
/// run uses, so that runs side by side do not see each other's): after every run, no process with it
/// may be left.
///
/// Every hostile task is `optional`, and the runs use a recovery folder holding only a strategy
/// that skips optional tasks, so that the tasks after each hostile one run whatever it did.
@Suite("Hostile task bodies through tide run")
struct HostilePlanTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "HostilePlans")

    /// The limits of every run: small, so that a flood is stopped long before it can fill a disk.
    /// `runTime` counts wall time while a body runs, which a loaded machine stretches many times
    /// over: 15 s lets the cases that end at another limit reach it.
    static let limits = """
        { maxEvents = 500, maxMessages = 500, maxLogBytes = "256KiB", maxMessageBytes = "4KiB", \
        maxEventDataBytes = "64KiB", maxResultBytes = "4MiB", maxStateBytes = "4MiB", memory = "160MiB", \
        runTime = "15s", maxCheckpoints = 500 }
        """

    /// One case file.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var expect: String
        var message: String?
        var shared: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let files =
            (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("cases").path))
            ?? []
        return files.filter { $0.hasSuffix(".lua") }.sorted().compactMap { file in
            guard let source = try? String(contentsOf: folder.appendingPathComponent("cases/\(file)"), encoding: .utf8)
            else { return nil }
            func field(_ key: String) -> String? {
                source.split(separator: "\n").first { $0.hasPrefix("-- \(key): ") }
                    .map { String($0.dropFirst(key.count + 4)).trimmingCharacters(in: .whitespaces) }
            }
            return Case(
                name: String(file.dropLast(4)), expect: field("expect") ?? "?", message: field("message"),
                shared: field("shared")?.split(separator: " ").map(String.init) ?? [])
        }
    }()

    @Test func suite_coversEveryClassOfTheIssue() {
        #expect(Self.cases.count >= 20)
        #expect(Self.cases.allSatisfy { $0.expect != "?" })
        let codes = Set(Self.cases.map(\.expect))
        for code in [
            "OK", "QUOTA_EXCEEDED", "VALUE_TOO_LARGE", "MEMORY_LIMIT", "SANDBOX_VIOLATION", "INVALID_VALUE",
            "SCRIPT_ERROR", "SCRIPT_TIMEOUT",
        ] {
            #expect(codes.contains(code), "no case expects \(code)")
        }
    }

    @Test(arguments: cases)
    func run_hostileBodyAlone_endsWithItsCode_andItsNeighboursComplete(_ hostile: Case) async throws {
        let run = try await offThePool { try Self.run([hostile.name], normalTasks: 2) }
        let outcome = try #require(run.outcomes[hostile.name], "no outcome for \(hostile.name):\n\(run.output)")
        #expect(outcome.code == hostile.expect, "\(hostile.name): \(outcome.message)")
        if let part = hostile.message {
            #expect(outcome.message.contains(part), "\(hostile.name): '\(part)' not in: \(outcome.message)")
        }
        #expect(run.outcomes["\(hostile.name)-after"]?.code == "OK", "the task after \(hostile.name) did not run")
        for index in 1...2 { #expect(run.outcomes["normal-\(index)"]?.code == "OK") }
        #expect(run.hasResultLine, "tide printed no final result line:\n\(run.output.suffix(2000))")
        #expect(run.outputBytes < 1 << 20, "\(hostile.name) made tide print \(run.outputBytes) bytes")
        #expect(Self.leftBehind(run.marker).isEmpty, "\(hostile.name) left processes behind")
    }

    @Test func run_everyHostileBodyAtOnce_eachEndsWithItsCode_andTheHostStaysSmall() async throws {
        let all = Self.cases
        let run = try await offThePool { try Self.run(all.map(\.name), normalTasks: 8) }
        for hostile in all {
            let outcome = run.outcomes[hostile.name]
            let accepted = [hostile.expect] + hostile.shared
            #expect(
                accepted.contains(outcome?.code ?? "none"), "\(hostile.name): \(outcome?.message ?? "no outcome")")
            #expect(run.outcomes["\(hostile.name)-after"]?.code == "OK", "the task after \(hostile.name) did not run")
        }
        for index in 1...8 {
            #expect(
                run.outcomes["normal-\(index)"]?.code == "OK",
                "normal-\(index): \(run.outcomes["normal-\(index)"]?.message ?? "none")")
        }
        #expect(run.hasResultLine, "tide printed no final result line")
        #expect(run.outputBytes < 1 << 20, "tide printed \(run.outputBytes) bytes")
        let peak = try #require(run.peakKilobytes, "no peak memory was measured")
        #expect(peak < 512 * 1024, "tide grew to \(peak / 1024) MiB")
        #expect(Self.leftBehind(run.marker).isEmpty, "processes were left behind")
    }

    /// The processes a run's cases started (`sleep MARKER`) still alive once the run ended; killed
    /// if any. No wait is needed: each guard has killed and reaped what its command started before
    /// it exited, and `tide` waits for its guards.
    static func leftBehind(_ marker: String) -> [Int32] {
        let left = processes(withCommandLineContaining: "sleep\u{0}\(marker)")
        for pid in left { kill(pid, SIGKILL) }
        return left
    }

    /// Live processes whose `/proc/PID/cmdline` (arguments separated by NUL) contains `text`.
    static func processes(withCommandLineContaining text: String) -> [Int32] {
        let wanted = Data(text.utf8)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> Int32? in
            guard let pid = Int32(name), let line = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"),
                line.range(of: wanted) != nil,
                (try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8))?.contains(") Z ") != true
            else { return nil }
            return pid
        }
    }

    // MARK: - Running

    /// How a task ended: `OK`, or the code of its failure, with its message.
    struct Outcome {
        var code: String
        var message: String
    }

    /// What one run printed.
    struct Run {
        var outcomes: [String: Outcome] = [:]
        var output: String
        var outputBytes: Int
        var hasResultLine: Bool
        var peakKilobytes: Int?
        /// The `sleep` argument of the processes the run's cases started.
        var marker: String
    }

    /// Runs the cases `names` in one execution beside `normalTasks` normal tasks, each hostile one
    /// followed by a task that depends on it, under GNU time (for the peak memory).
    static func run(_ names: [String], normalTasks: Int) throws -> Run {
        let marker = "4242.\(Int.random(in: 100_000_000...999_999_999))"
        let work = try temporaryFolder()
        try FileManager.default.copyItem(
            at: folder.appendingPathComponent("cases"), to: work.appendingPathComponent("cases"))
        let recovery = work.appendingPathComponent("recovery")
        try FileManager.default.createDirectory(at: recovery, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("scripts/recovery/40-skip-optional.lua"),
            to: recovery.appendingPathComponent("skip-optional.lua"))
        let list = names.map { "\"\($0)\"" }.joined(separator: ", ")
        let plan = """
            local tasks = {}
            for _, name in ipairs { \(list) } do
              local body = require("cases." .. name)
              local task = { id = name, optional = true, run = body }
              if type(body) == "table" then task.run, task.timeout = body.run, body.timeout end
              tasks[#tasks + 1] = task
              tasks[#tasks + 1] = { id = name .. "-after", after = { name }, run = function() return name end }
            end
            for i = 1, \(normalTasks) do
              tasks[#tasks + 1] = { id = "normal-" .. i, run = function(ctx)
                tide.sleep(0.05 * i)
                ctx.state.i = i
                return { i = i }
              end }
            end
            return { id = "hostile", concurrency = 64, failurePolicy = "continue", limits = \(limits), tasks = tasks,
              variables = { marker = "\(marker)" } }
            """
        let planFile = work.appendingPathComponent("hostile.lua")
        try plan.write(to: planFile, atomically: true, encoding: .utf8)
        let timeFile = work.appendingPathComponent("peak")
        let outcome = try TideProcess.run(
            [
                "-f", "%M", "-o", timeFile.path, TideProcess.executable.path, "run", planFile.path, "--json",
                "--in-memory", "--recovery", recovery.path, "--no-alerts",
            ], executable: URL(fileURLWithPath: "/usr/bin/time"))
        var run = Run(
            output: outcome.stdout + outcome.stderr, outputBytes: outcome.stdout.utf8.count + outcome.stderr.utf8.count,
            hasResultLine: false, marker: marker)
        run.peakKilobytes =
            (try? String(contentsOf: timeFile, encoding: .utf8))?
            .split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last
        for line in outcome.stdout.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                continue
            }
            if object["result"] != nil { run.hasResultLine = true }
            guard let event = object["event"] as? [String: Any], let taskId = event["taskId"] as? String,
                let type = event["type"] as? String
            else { continue }
            let data = event["data"] as? [String: Any]
            switch type {
            case "TASK_COMPLETED" where run.outcomes[taskId] == nil:
                run.outcomes[taskId] = Outcome(code: "OK", message: "")
            case "TASK_FAILED" where data?["code"] as? String != "SKIPPED" && run.outcomes[taskId] == nil:
                run.outcomes[taskId] = Outcome(
                    code: data?["code"] as? String ?? "?", message: data?["message"] as? String ?? "")
            default: break
            }
        }
        return run
    }
}
