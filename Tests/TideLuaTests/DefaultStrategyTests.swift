import Foundation
import Testing
import Tide
import TideTesting

/// The default strategies shipped in `scripts/recovery/`.
@Suite("Default recovery strategies")
struct DefaultStrategyTests {
    static let folder = repositoryRoot.appendingPathComponent("scripts/recovery")

    static func source(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    /// A bench with the default strategies, optionally with one file's text edited.
    static func bench(clock: ManualClock, editing name: String? = nil, _ edit: (String) -> String = { $0 }) async throws
        -> StrategyBench
    {
        var files: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".lua") {
            let text = try source(file)
            files[file] = file == name ? edit(text) : text
        }
        let bench = try await StrategyBench(files, clock: EngineClock(clock))
        let reports = await bench.strategies.reload()
        #expect(reports.allSatisfy { !$0.isRejection }, "\(reports)")
        return bench
    }

    @Test func defaults_loadInFileOrder() async throws {
        let bench = try await Self.bench(clock: ManualClock())
        #expect(
            bench.engine.recoveryStrategies.all.map(\.id) == [
                "circuit-breaker", "backoff", "fallback", "skip-optional",
            ])
    }

    @Test func backoff_waitsAnExponentialDelayWithinItsJitterBounds() async throws {
        let clock = ManualClock()
        let bench = try await Self.bench(clock: clock)
        let id = try await bench.engine.start(StrategyBench.failing("NETWORK_TIMEOUT", failures: 3))
        // Waits of 0.1, 0.2, 0.4 s, each spread by +/- 20 %.
        for base in [0.1, 0.2, 0.4] {
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .milliseconds(Int64(base * 800) - 1))
            #expect(clock.sleeperCount == 1, "woke before \(base * 0.8) s")
            clock.advance(by: .milliseconds(Int64(base * 400) + 2))
            #expect(clock.sleeperCount == 0, "still asleep after \(base * 1.2) s")
        }
        let result = try await bench.engine.result(of: id)
        #expect(result.status == .completed)
        let messages = result.events(.recoveryInitiated).compactMap { $0.data?["message"]?.stringValue }
        #expect(messages.count == 3)
        #expect(messages.first?.hasPrefix("retry 1 of 5 after 0.") == true)
    }

    @Test func backoff_neverWaitsLongerThanItsCap() async throws {
        let clock = ManualClock()
        let bench = try await Self.bench(clock: clock, editing: "20-backoff.lua") {
            $0.replacingOccurrences(of: "local CAP = 10 ", with: "local CAP = 0.15 ")
        }
        let id = try await bench.engine.start(StrategyBench.failing("NETWORK_TIMEOUT", failures: 3))
        for _ in 0..<3 {
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .milliseconds(181))  // 0.15 s + 20 % jitter, at most
            #expect(clock.sleeperCount == 0)
        }
        #expect(try await bench.engine.result(of: id).status == .completed)
    }

    @Test func circuitBreaker_whenFailuresCrowdTheWindow_aborts() async throws {
        let bench = try await Self.bench(clock: ManualClock())
        let plan = ExecutionPlan(
            id: "p", maxConcurrency: 8, failurePolicy: .continueIndependent,
            tasks: (1...6).map { n in
                PlanTask(id: "t\(n)") { _ in throw ExecutionError(code: "DB_DOWN", message: "no database") }
            })
        let result = try await bench.engine.execute(plan)
        let aborts = result.events(.recoveryInitiated).filter { $0.data?["action"] == "ABORT" }
        #expect(aborts.count == 1)
        #expect(aborts.first?.data?["message"]?.stringValue?.contains("6 DB_DOWN failures within 60 s") == true)
    }

    @Test func circuitBreaker_whenFailuresAreSpreadOut_staysClosed() async throws {
        let clock = ManualClock()
        let bench = try await Self.bench(clock: clock)
        let plan = ExecutionPlan(
            id: "p", maxConcurrency: 8, failurePolicy: .continueIndependent,
            tasks: (1...6).map { n in
                PlanTask(id: "t\(n)") { _ in
                    try await clock.sleep(for: .seconds(15 * n))
                    throw ExecutionError(code: "DB_DOWN", message: "no database")
                }
            })
        let id = try await bench.engine.start(plan)
        for step in 1...6 {
            try await clock.waitForSleepers(count: 7 - step)
            clock.advance(by: .seconds(15))
            // Let this failure be decided before the clock moves on.
            var failed = 0
            for _ in 0..<200_000 where failed < step {
                failed = try await bench.engine.events(of: id).filter { $0.type == .taskFailed }.count
                await Task.yield()
            }
            #expect(failed == step)
        }
        let result = try await bench.engine.result(of: id)
        let aborts = result.events(.recoveryInitiated).filter { $0.data?["action"] == "ABORT" }
        #expect(aborts.isEmpty)
        #expect(result.events(.taskFailed).count == 6)
    }

    @Test func fallback_whenTheTaskHasOne_runsIt() async throws {
        let bench = try await Self.bench(clock: ManualClock())
        let result = try await bench.engine.execute(StrategyBench.failing("PARSE_ERROR", failures: 9, fallback: true))
        #expect(result.status == .completed)
        #expect(result.events(.recoveryInitiated).first?.data?["strategyId"] == "fallback")
    }

    @Test func skipOptional_whenTheTaskIsOptional_skipsItAndGoesOn() async throws {
        let bench = try await Self.bench(clock: ManualClock())
        let result = try await bench.engine.execute(StrategyBench.failing("PARSE_ERROR", failures: 9, optional: true))
        #expect(result.status == .completed)
        #expect(result.events(.recoveryInitiated).first?.data?["action"] == "SKIP")
        #expect(result.result == ["after": "after"])
    }
}
