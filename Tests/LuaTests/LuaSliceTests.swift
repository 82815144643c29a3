import Synchronization
import Testing

@testable import Lua

/// Runs of one state in time slices (``LuaLimits/slice``), and each run's share of its memory
/// (``LuaRunBudget/memory``). Outcomes are checked by order (which run ended first), never by
/// how long anything took.
@Suite("LuaRuntime slices and shares")
struct LuaSliceTests {
    /// The order runs ended in, by name.
    final class Finishes: Sendable {
        private let names = Mutex<[String]>([])
        func add(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    /// Set by a script's `started()`.
    final class Started: Sendable {
        private let flag = Atomic(false)
        func set() { flag.store(true, ordering: .relaxed) }
        var isSet: Bool { flag.load(ordering: .relaxed) }
    }

    /// A runtime whose scripts can say `started()`, and the flag it sets.
    private func makeRuntime(limits: LuaLimits = .default) async throws -> (LuaRuntime, LuaSandbox, Started) {
        let runtime = try LuaRuntime(limits: limits)
        let started = Started()
        let sandbox = try await runtime.withState { lua in
            let mark = lua.makeFunction(named: "started") { _ in
                started.set()
                return 0
            }
            return try lua.makeSandbox(globals: ["started": .function(mark)])
        }
        return (runtime, sandbox, started)
    }

    /// Starts `hog`, waits until it runs, then runs five short scripts beside it; returns the order
    /// in which they all ended.
    private func raceShortRuns(against hog: String, limits: LuaLimits) async throws -> [String] {
        let (runtime, sandbox, started) = try await makeRuntime(limits: limits)
        let finishes = Finishes()
        let long = Task {
            _ = try await runtime.run(source: hog, name: .label("hog"), in: sandbox)
            finishes.add("hog")
        }
        while !started.isSet { await Task.yield() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 1...5 {
                group.addTask {
                    _ = try await runtime.run(
                        source: "local x = 0 for i = 1, 1000 do x = x + i end return x", name: .label("short"),
                        in: sandbox)
                    finishes.add("short-\(index)")
                }
            }
            try await group.waitForAll()
        }
        try await long.value
        return finishes.all
    }

    private static let busyLoop = "started() local x = 0 for i = 1, 3e7 do x = x + i end return x"

    @Test func run_busyLoopBesideShortRuns_shortRunsEndFirst() async throws {
        let order = try await raceShortRuns(against: Self.busyLoop, limits: .default)
        #expect(order.last == "hog", "order: \(order)")
        #expect(order.count == 6)
    }

    @Test func run_whenSlicesAreOff_theBusyLoopHoldsTheStateToItsEnd() async throws {
        var limits = LuaLimits.default
        limits.slice = nil
        let order = try await raceShortRuns(against: Self.busyLoop, limits: limits)
        #expect(order.first == "hog", "order: \(order)")
    }

    @Test func run_busyLoopInsideAScriptsCoroutine_isPausedToo() async throws {
        let hog = """
            started()
            local loop = coroutine.wrap(function() local x = 0 for i = 1, 3e7 do x = x + i end return x end)
            return loop()
            """
        let order = try await raceShortRuns(against: hog, limits: .default)
        #expect(order.last == "hog", "order: \(order)")
    }

    @Test func run_pausedCoroutineThatYieldsNothing_keepsItsOwnYields() async throws {
        let (runtime, sandbox, _) = try await makeRuntime()
        // Each resume runs a loop long enough to be paused by the slice, then yields no values:
        // the script must see exactly its own three yields and the return.
        let source = """
            local co = coroutine.create(function()
              for _ = 1, 3 do
                local x = 0 for i = 1, 5e6 do x = x + i end
                coroutine.yield()
              end
              return "end"
            end)
            local seen = {}
            while true do
              local ok, value = coroutine.resume(co)
              assert(ok, value)
              seen[#seen + 1] = value or "yield"
              if coroutine.status(co) == "dead" then break end
            end
            return table.concat(seen, ",")
            """
        let values = try await runtime.run(source: source, name: .label("yields"), in: sandbox)
        #expect(values == [.string("yield,yield,yield,end")])
    }

    @Test func run_manyRunsPausedOftenInsideNestedCoroutines_eachSeesExactlyItsOwnYields() async throws {
        var limits = LuaLimits.default
        limits.slice = .microseconds(20)  // a pause every hook call, nearly: every window is tried
        limits.hookInterval = 100
        let (runtime, sandbox, _) = try await makeRuntime(limits: limits)
        let source = """
            local inner = function()
              for _ = 1, 50 do
                local x = 0 for i = 1, 2000 do x = x + i end
                coroutine.yield()
              end
              return "end"
            end
            local outer = coroutine.wrap(function()
              local co = coroutine.create(inner)
              local yields = 0
              while true do
                local ok, value = coroutine.resume(co)
                assert(ok, value)
                if value == "end" then return yields end
                yields = yields + 1
                coroutine.yield()
              end
            end)
            local rounds, result = 0, nil
            repeat rounds = rounds + 1; result = outer() until result ~= nil
            return result, rounds
            """
        let chunk = try await runtime.withState { lua in try lua.load(source, name: .label("nested"), in: sandbox) }
        try await withThrowingTaskGroup(of: [LuaValue].self) { group in
            for _ in 1...4 { group.addTask { try await runtime.run(chunk) } }
            for try await values in group {
                #expect(values == [.integer(50), .integer(51)])
            }
        }
    }

    @Test func run_comparatorRunningPastTheHoldTime_failsWithScriptTimeout() async throws {
        var limits = LuaLimits.default
        limits.holdTime = .milliseconds(30)
        let (runtime, sandbox, _) = try await makeRuntime(limits: limits)
        let source = """
            local t = {} for i = 1, 100000 do t[i] = (i * 7919) % 100000 end
            table.sort(t, function(a, b) for _ = 1, 200 do end return a < b end)
            """
        let error = await #expect(throws: LuaError.self) {
            try await runtime.run(source: source, name: .label("sorter"), in: sandbox)
        }
        #expect(error?.code == .scriptTimeout)
        #expect(error?.message.contains("could not be paused") == true, "\(error?.message ?? "")")
        // The state is usable afterwards.
        #expect(try await runtime.run(source: "return 1", name: .label("after"), in: sandbox) == [.integer(1)])
    }

    @Test func run_loopInACoroutineResumedFromAComparator_isStoppedByTheHoldTime() async throws {
        var limits = LuaLimits.default
        limits.holdTime = .milliseconds(30)
        let (runtime, sandbox, _) = try await makeRuntime(limits: limits)
        // The coroutine can yield, but the comparator that resumes it cannot pass a pause on.
        let source = """
            local t = { 3, 1, 2 }
            table.sort(t, function(a, b)
              local loop = coroutine.wrap(function() while true do end end)
              loop()
              return a < b
            end)
            """
        let error = await #expect(throws: LuaError.self) {
            try await runtime.run(source: source, name: .label("nested"), in: sandbox)
        }
        #expect(error?.code == .scriptTimeout)
        #expect(error?.message.contains("could not be paused") == true, "\(error?.message ?? "")")
    }

    @Test func run_manyShortSortsWithAComparator_arePausedBetweenThem_andNeverHitTheHoldTime() async throws {
        var limits = LuaLimits.default
        limits.holdTime = .milliseconds(20)
        let (runtime, sandbox, _) = try await makeRuntime(limits: limits)
        // Far longer in all than the hold time, but each sort is short: the run is paused between them.
        let source = """
            local n = 0
            for _ = 1, 4000 do
              local t = {} for i = 1, 50 do t[i] = (i * 7919) % 101 end
              table.sort(t, function(a, b) return a < b end)
              n = n + 1
            end
            return n
            """
        #expect(try await runtime.run(source: source, name: .label("sorts"), in: sandbox) == [.integer(4000)])
    }

    @Test func run_handedMoreThanItsShareByAHostFunction_failsWithMemoryLimitWhereItCalled() async throws {
        let runtime = try LuaRuntime()
        let sandbox = try await runtime.withState { lua in
            let big = lua.makeAsyncFunction(named: "big") { _ in
                { [.string(LuaString(String(repeating: "x", count: 6 << 20)))] }
            }
            return try lua.makeSandbox(globals: ["big": .function(big)])
        }
        // The table has room already: keeping the strings allocates nothing in Lua.
        let chunk = try await runtime.withState { lua in
            try lua.load(
                "local keep = { 0, 0, 0 } for i = 1, 3 do keep[i] = big() end return #keep[3]", name: .label("keep"),
                in: sandbox)
        }
        let error = await #expect(throws: LuaError.self) {
            try await runtime.run(chunk, budget: LuaRunBudget(time: .seconds(30), memory: 8 << 20))
        }
        #expect(error?.code == .memoryLimit)
        #expect(error?.message.contains("taskMemory") == true, "\(error?.message ?? "")")
    }

    @Test func run_pastItsShare_failsWithMemoryLimit_whileANeighbourWithinItsShareCompletes() async throws {
        var limits = LuaLimits.default
        limits.memory = 96 << 20
        let (runtime, sandbox, _) = try await makeRuntime(limits: limits)
        let share = LuaRunBudget(time: .seconds(30), memory: 8 << 20)
        let bomb = try await runtime.withState { lua in
            try lua.load(
                "local t = {} for i = 1, 1e7 do t[i] = { i } end", name: .label("bomb"), in: sandbox)
        }
        // Allocates 64 MiB in all, 1 MiB at a time, keeping none: frees are credited back.
        let churn = try await runtime.withState { lua in
            try lua.load(
                "for i = 1, 64 do local s = string.rep('x', 1 << 20) end return 'done'", name: .label("churn"),
                in: sandbox)
        }
        let bombed = Task { try await runtime.run(bomb, budget: share) }
        let churned = Task { try await runtime.run(churn, budget: share) }
        #expect(try await churned.value == [.string("done")])
        let error = await #expect(throws: LuaError.self) { try await bombed.value }
        #expect(error?.code == .memoryLimit)
        #expect(error?.message.contains("taskMemory") == true, "\(error?.message ?? "")")
    }

    @Test func run_afterAHogFailedAtItsShare_theNextRunGetsAWholeShare() async throws {
        var limits = LuaLimits.default
        limits.memory = 64 << 20
        let (runtime, sandbox, _) = try await makeRuntime(limits: limits)
        let share = LuaRunBudget(time: .seconds(30), memory: 12 << 20)
        let bomb = try await runtime.withState { lua in
            try lua.load("local t = {} for i = 1, 1e7 do t[i] = { i } end", name: .label("bomb"), in: sandbox)
        }
        await #expect(throws: LuaError.self) { try await runtime.run(bomb, budget: share) }
        // 8 MiB kept at once: only possible if the bomb's blocks are not charged to this run.
        let keep = try await runtime.withState { lua in
            try lua.load(
                "local t = {} for i = 1, 8 do t[i] = string.rep('y', 1 << 20) end return #t", name: .label("keep"),
                in: sandbox)
        }
        #expect(try await runtime.run(keep, budget: share) == [.integer(8)])
    }
}
