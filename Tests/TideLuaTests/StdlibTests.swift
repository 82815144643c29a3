import Foundation
import Testing
import Tide

/// The Lua-side tests of `stdlib/` (`stdlib/tests/*_test.lua`): each file is a plan whose tasks are
/// its test cases, run with the real `tide` API.
@Suite("stdlib Lua tests")
struct StdlibTests {
    static let files: [String] = {
        let folder = URL(fileURLWithPath: stdlibPath).appendingPathComponent("tests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix("_test.lua") }.sorted()
    }()

    @Test func files_areThere() {
        #expect(Self.files.count >= 2)
    }

    @Test(arguments: files)
    func stdlibTests_whenRun_allPass(file: String) async throws {
        let path = URL(fileURLWithPath: stdlibPath).appendingPathComponent("tests/\(file)").path
        let loaded = try await LuaPlan.load(file: path, options: LuaPlanOptions(stdlibPath: stdlibPath))
        let result = try await DefaultExecutionEngine().execute(loaded.plan)
        let failures = result.events(.taskFailed).map {
            "\($0.taskId ?? "?"): \($0.data?["message"]?.stringValue ?? "")"
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(result.events(.taskCompleted).count == loaded.plan.tasks.count)
    }
}
