import ArgumentParser
import Foundation
import Tide

/// `tide run PLAN.lua`: runs a plan and reports on it.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a plan.",
        discussion: """
            On a terminal a live progress line is drawn; otherwise one line per event. With --json the \
            events and messages are printed as NDJSON ({"event": …} / {"message": …} per line) and the \
            last line is {"result": <ExecutionResult>}. The first Ctrl-C cancels the execution \
            gracefully, a second one stops at once.
            Exit codes: 0 completed, 1 failed, 2 invalid plan, 64 bad usage, 130 cancelled by Ctrl-C.
            """
    )

    @OptionGroup var input: PlanInput

    @Option(help: "Most tasks running at once (overrides the plan's concurrency).")
    var concurrency: Int?

    @Flag(help: "Print events, messages and the final result as JSON lines.")
    var json = false

    @Flag(help: "Print only the summary.")
    var quiet = false

    @Option(
        name: .customLong("pool"),
        help: ArgumentHelp(
            "A resource pool (repeatable), replacing the default and the plan's pool of that type.",
            valueName: "type=capacity[@costPerUnitSecond]"))
    var pools: [String] = []

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if json && quiet { throw ValidationError("--json and --quiet cannot be used together") }
        _ = try parsedPools()
    }

    func run() async throws {
        let mode: RunReporter.Mode =
            json ? .json : quiet ? .quiet : Terminal.standardOutput.isInteractive ? .progress : .lines
        let reporter = RunReporter(mode: mode)
        let clock = EngineClock.continuous
        let options = LuaPlanOptions(
            clock: clock, maxConcurrency: concurrency,
            log: { level, text, location in
                let place = location.map { "\($0): " } ?? ""
                Terminal.standardError.write("\(place)\(level.rawValue) \(text)\n")
            })
        let loaded = try await input.load(options: options)
        let engine = DefaultExecutionEngine(
            clock: clock, configuration: EngineConfiguration(pools: try resourcePools(declared: loaded.pools)))
        let executionId = try await engine.start(loaded.plan)
        let interrupts = Interrupts {
            Task { try? await engine.cancel(executionId) }
        }
        if mode != .quiet {
            var seenEvents = 0
            var seenMessages = 0
            for await update in try await engine.monitor(executionId) {
                let events = try await engine.events(of: executionId, after: seenEvents)
                let messages = try await engine.messages(of: executionId, after: seenMessages)
                seenEvents = events.last.flatMap { Int($0.id) } ?? seenEvents
                seenMessages += messages.count
                reporter.show(update, events: events, messages: messages)
            }
        }
        let result = try await engine.result(of: executionId)
        reporter.finish(result)
        switch result.status {
        case .completed: return
        case .cancelled where interrupts.interrupted: throw ExitCode(130)
        default: throw ExitCode(1)
        }
    }

    /// The pools the engine gets: defaults for this machine, then the plan's, then `--pool`.
    private func resourcePools(declared: [ResourcePool]) throws -> [ResourcePool] {
        var byType: [String: ResourcePool] = [:]
        let info = ProcessInfo.processInfo
        byType["computational"] = ResourcePool(type: "computational", capacity: Double(info.activeProcessorCount))
        byType["memory"] = ResourcePool(
            type: "memory", capacity: Double(info.physicalMemory >> 20), attributes: ["unit": "MiB"])
        for pool in declared { byType[pool.type] = pool }
        for pool in try parsedPools() { byType[pool.type] = pool }
        return byType.values.sorted { $0.type < $1.type }
    }

    private func parsedPools() throws -> [ResourcePool] {
        try pools.map { text in
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            let amounts = parts.count == 2 ? parts[1].split(separator: "@", maxSplits: 1).map(String.init) : []
            let cost = amounts.count == 2 ? Double(amounts[1]) : 0
            guard parts.count == 2, !parts[0].isEmpty, let capacity = Double(amounts.first ?? ""), capacity >= 0,
                let cost, cost >= 0
            else {
                throw ValidationError(
                    "--pool \(text): write --pool type=capacity or --pool type=capacity@costPerUnitSecond")
            }
            return ResourcePool(
                type: parts[0], capacity: capacity, costPerUnitSecond: cost)
        }
    }
}
