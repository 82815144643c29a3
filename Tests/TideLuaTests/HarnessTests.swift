import Foundation
import Testing

/// The test harness itself: a test process runs hundreds of `tide` processes and child processes,
/// and a descriptor left open by each adds up until unrelated tests fail (past 1,024 open
/// descriptors, children stopped starting).
@Suite("Test harness", .serialized)
struct HarnessTests {
    static var openDescriptors: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count
    }

    @Test func tideProcess_whenRunManyTimes_leavesNoDescriptorOpen() async throws {
        let plan = try writePlan(#"return { tasks = { { id = "t", run = function() return 1 end } } }"#)
        _ = try await offThePool { try TideProcess.run(["run", plan, "--in-memory", "--quiet"]) }
        let before = Self.openDescriptors
        for _ in 1...20 { _ = try await offThePool { try TideProcess.run(["run", plan, "--in-memory", "--quiet"]) } }
        // Other tests run beside this one: a leak shows as two descriptors per run, forty in all.
        #expect(Self.openDescriptors - before < 20, "\(Self.openDescriptors - before) more descriptors after 20 runs")
    }
}
