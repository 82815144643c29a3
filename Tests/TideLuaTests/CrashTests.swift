import Foundation
import Testing
import Tide

#if canImport(Glibc)
    import Glibc
#endif

/// The durability contract under `kill -9`: the built `tide` runs a plan of a few hundred short
/// tasks and is killed at random moments (after a seeded number of reported completions), then
/// resumed until the execution completes.
@Suite("Crash and resume")
struct CrashTests {
    /// 300 tasks in 4 chains, each sleeping 5 ms and counting its own runs in `ctx.state`.
    static let plan = """
        local plan = require "tide.plan"
        local ids = {}
        for i = 1, 300 do ids[i] = i end
        return plan { id = "crash", concurrency = 4, tasks = plan.each(ids, function(i)
          return { id = "t" .. i, after = i > 4 and { "t" .. (i - 4) } or nil,
                   run = function(ctx)
                     ctx.state.runs = (ctx.state.runs or 0) + 1
                     tide.sleep("5ms")
                     return i
                   end }
        end) }
        """

    /// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: 1...20)
    func killAndResume_atRandomMoments_losesNothingAndRunsNothingTwice(seed: Int) throws {
        var random = Generator(state: UInt64(seed))
        let planFile = try writePlan(Self.plan, name: "crash.lua")
        let database = try temporaryFolder().appendingPathComponent("tide.db").path
        var kills = 0
        // The first run, killed after a random number of completions it reported; then resumes, the
        // first of them killed too on odd seeds. Counting reported completions (not time) makes each
        // seed replay the same moment, and it is the contract: what was reported must survive.
        try Self.runKilled(["run", planFile], database: database, after: .random(in: 1...250, using: &random))
        kills += 1
        guard let id = try ExecutionStore(path: database).recentExecutions().first?.id else {
            Issue.record("seed \(seed): the run was killed before it recorded its execution")
            return
        }
        if seed % 2 == 1 {
            try Self.runKilled(["resume", id], database: database, after: .random(in: 1...20, using: &random))
            kills += 1
        }
        var attempts = 0
        while try ExecutionStore(path: database).execution(matching: id).status != .completed && attempts < 3 {
            let resumed = try TideProcess.run(["resume", id, "--quiet"], database: database)
            #expect(resumed.status == 0, "seed \(seed): resume exited \(resumed.status): \(resumed.stderr)")
            attempts += 1
        }

        let store = try ExecutionStore(path: database)
        #expect(try store.execution(matching: id).status == .completed, "seed \(seed)")
        #expect(try store.integrityCheck() == "ok")
        let events = try store.events(of: id)
        #expect(events.map(\.id) == events.indices.map { String($0 + 1) }, "seed \(seed): the timeline has a gap")
        var completedAt: [String: Int] = [:]
        for (position, event) in events.enumerated() where event.type == .taskCompleted {
            if let taskId = event.taskId {
                #expect(completedAt[taskId] == nil, "seed \(seed): \(taskId) completed twice")
                completedAt[taskId] = position
            }
        }
        #expect(completedAt.count == 300, "seed \(seed): \(completedAt.count) of 300 tasks completed")
        for (position, event) in events.enumerated() where event.type == .taskStarted {
            if let taskId = event.taskId, let done = completedAt[taskId] {
                #expect(position < done, "seed \(seed): \(taskId) ran again after it was recorded completed")
            }
        }
        #expect(events.filter { $0.type == .recoveryInitiated }.count >= 1, "seed \(seed), \(kills) kill(s)")
    }

    /// Runs `tide` and sends it SIGKILL once it has reported `completions` completed tasks (or
    /// when it ends, if it reports fewer).
    static func runKilled(_ arguments: [String], database: String, after completions: Int) throws {
        _ = try TideProcess.run(arguments, database: database) { process, output in
            _ = output.waitFor("TASK_COMPLETED", count: completions)
            kill(process.processIdentifier, SIGKILL)
        }
    }
}
