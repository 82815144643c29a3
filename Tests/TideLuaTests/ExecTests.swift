import Foundation
import Testing
import Tide

#if canImport(Glibc)
    import Glibc
#endif

@Suite("tide.exec")
struct ExecTests {
    /// Runs one task whose body is `body` and returns its result.
    private func run(_ body: String) async throws -> ExecutionResult {
        try await runPlan("return { tasks = { { id = \"t\", run = function()\n\(body)\nend } } }")
    }

    @Test func exec_whenCommandSucceeds_returnsCodeAndOutput() async throws {
        let result = try await run(#"return tide.exec { "sh", "-c", "echo out; echo err >&2" }"#)
        #expect(result.result?["t"]?["code"] == 0)
        #expect(result.result?["t"]?["ok"] == true)
        #expect(result.result?["t"]?["stdout"] == "out\n")
        #expect(result.result?["t"]?["stderr"] == "err\n")
        #expect(result.result?["t"]?["truncated"] == false)
    }

    @Test func exec_whenChildClosesItsStdin_returnsItsCodeWithStdinClosed() async throws {
        let result = try await run(
            #"local r = tide.exec { "sh", "-c", "exec 0<&-; sleep 0.1; exit 3", stdin = string.rep("x", 8 << 20) }"#
                + "\nreturn { code = r.code, stdinClosed = r.stdinClosed, truncated = r.truncated }")
        #expect(result.result?["t"] == ["code": 3, "stdinClosed": true, "truncated": false])
    }

    @Test func exec_whenChildReadsOnlyPartOfItsStdin_saysSo_andWhenItReadsAll_doesNot() async throws {
        let result = try await run(
            #"local head = tide.exec { "head", "-c", "5", stdin = string.rep("y", 1 << 20) }"#
                + "\n" + #"local cat = tide.exec { "wc", "-c", stdin = string.rep("z", 1 << 20) }"#
                + "\nreturn { head = head.stdout, headClosed = head.stdinClosed, wc = cat.stdout, wcClosed = cat.stdinClosed }"
        )
        #expect(result.result?["t"]?["head"] == "yyyyy")
        #expect(result.result?["t"]?["headClosed"] == true)
        #expect(result.result?["t"]?["wc"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) == "1048576")
        #expect(result.result?["t"]?["wcClosed"] == false)
    }

    @Test func exec_manyChildrenIgnoringTheirInputAtOnce_leaveTheHostAlive() async throws {
        let result = try await runPlan(
            """
            local tasks = {}
            for i = 1, 20 do
              tasks[i] = { id = "t" .. i, run = function()
                return tide.exec { "true", stdin = string.rep("x", 200000) }.code
              end }
            end
            return { concurrency = 20, tasks = tasks }
            """)
        #expect(result.status == .completed)
    }

    @Test(
        .serialized,
        arguments: [
            #"tide.exec { "true", stdin = string.rep("x", 200000) }"#, #"tide.exec { "cat", stdin = "hello" }"#,
            #"tide.exec { "true" }"#, #"pcall(tide.exec, { "/no/such/program" })"#,
            #"pcall(tide.exec, { "true", cwd = "/no/such/folder", stdin = "x" })"#,
        ])
    func exec_manyTimes_leavesNoDescriptorOpen(_ call: String) async throws {
        _ = try await run(call)  // the first call may open what the runner keeps for good
        let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        let result = try await run("for _ = 1, 50 do \(call) end")
        #expect(result.status == .completed, "\(result.error?.description ?? "")")
        let after = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        #expect(after - before < 40, "\(after - before) descriptors more after 50 calls of \(call)")
    }

    @Test func exec_whenArgumentsHaveSpacesAndQuotes_passesThemWithoutAShell() async throws {
        let result = try await run(#"return tide.exec { "printf", "%s|", "a b", "'c'", "$HOME" }.stdout"#)
        #expect(result.result == ["t": "a b|'c'|$HOME|"])
    }

    @Test func exec_whenGivenStdinEnvAndCwd_usesThem() async throws {
        let result = try await run(
            #"return tide.exec { "sh", "-c", "cat; echo $GREETING; pwd", stdin = "in\n", env = { GREETING = "hi" }, cwd = "/tmp" }.stdout"#
        )
        #expect(result.result == ["t": "in\nhi\n/tmp\n"])
    }

    @Test func exec_whenCommandFails_returnsItsCode() async throws {
        let result = try await run(#"return tide.exec { "sh", "-c", "exit 3" }.code"#)
        #expect(result.result == ["t": 3])
    }

    @Test func exec_whenCheckIsSetAndCommandFails_raisesProcessFailed() async throws {
        let result = try await run(#"tide.exec { "sh", "-c", "echo bad >&2; exit 4", check = true }"#)
        #expect(result.error?.code == "PROCESS_FAILED")
        #expect(result.error?.message.contains("exited with code 4: bad") == true)
    }

    @Test func exec_ofADirectoryOrAScriptWithoutItsInterpreter_raisesAClearError() async throws {
        let folder = try temporaryFolder()
        let script = folder.appendingPathComponent("orphan.sh")
        try "#!/no/such/interpreter\necho hi\n".write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        let directory = try await run(#"tide.exec { "\#(folder.path)" }"#)
        #expect(directory.error?.code == "PROCESS_ERROR")
        #expect(directory.error?.message.contains("is a directory") == true, "\(directory.error?.message ?? "")")
        let orphan = try await run(#"tide.exec { "\#(script.path)" }"#)
        #expect(orphan.error?.code == "PROCESS_NOT_FOUND")
        #expect(orphan.error?.message.contains("#! line") == true, "\(orphan.error?.message ?? "")")
        // A relative path is relative to cwd.
        let relative = try await run(#"return tide.exec { "./orphan.sh", cwd = "\#(folder.path)" }.code"#)
        #expect(relative.error?.code == "PROCESS_NOT_FOUND", "\(String(describing: relative.error))")
    }

    @Test func exec_whenProgramDoesNotExist_raisesProcessNotFound() async throws {
        let result = try await run(#"tide.exec { "no-such-program-tide" }"#)
        #expect(result.error?.code == "PROCESS_NOT_FOUND")
        #expect(result.error?.message.contains("plan.lua:2") == true)
    }

    @Test func exec_whenOutputExceedsTheCap_truncatesIt() async throws {
        let loaded = try await loadPlan(
            #"return { tasks = { { id = "t", run = function() local r = tide.exec { "sh", "-c", "head -c 100000 /dev/zero" } return { n = #r.stdout, cut = r.truncated } end } } }"#,
            options: LuaPlanOptions(processes: ProcessRunner(outputLimit: 1000)))
        let result = try await DefaultExecutionEngine().execute(loaded.plan)
        #expect(result.result == ["t": ["n": 1000, "cut": true]])
    }

    @Test func exec_whenTimeoutPasses_killsTheWholeProcessGroup() async throws {
        let lifeline = try Lifeline()
        let result = try await run(
            #"tide.exec { "sh", "-c", "exec 3>\#(lifeline.path); sleep 300 & echo $! >&3; wait", timeout = "300ms" }"#)
        #expect(result.error?.code == "PROCESS_TIMEOUT")
        #expect(result.error?.recoverable == true)
        let grandchild = await lifeline.firstLine()
        #expect(grandchild != nil, "the child never started")
        #expect(await lifeline.end(), "the grandchild \(grandchild ?? "?") outlived the timeout")
    }

    @Test func exec_whenExecutionIsCancelled_killsTheProcess() async throws {
        let lifeline = try Lifeline()
        let loaded = try await loadPlan(
            #"return { tasks = { { id = "t", run = function() tide.exec { "sh", "-c", "exec 3>\#(lifeline.path); echo $$ >&3; exec sleep 300" } end } } }"#
        )
        let engine = DefaultExecutionEngine()
        let id = try await engine.start(loaded.plan)
        let child = try #require(await lifeline.firstLine(), "the child never started")
        try await engine.cancel(id)
        let result = try await engine.result(of: id)
        #expect(result.status == .cancelled)
        #expect(await lifeline.end(), "the child \(child) outlived the cancellation")
    }

    @Test func exec_whenSpecIsMalformed_raisesABadArgument() async throws {
        let result = try await run(#"tide.exec { "ls", timeout = "soon" }"#)
        #expect(result.error?.message.contains("bad argument #1 to 'tide.exec' (timeout: \"soon\"") == true)
        let unknown = try await run(#"tide.exec { "ls", shell = true }"#)
        #expect(unknown.error?.message.contains("unknown field \"shell\"") == true)
        let empty = try await run(#"tide.exec {}"#)
        #expect(empty.error?.message.contains("no command") == true)
    }
}
