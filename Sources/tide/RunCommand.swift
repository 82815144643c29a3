import ArgumentParser
import Foundation
import Tide

/// `tide run PLAN.lua`: runs a plan, recording it in the store, and reports on it.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a plan.",
        discussion: """
            On a terminal a live progress line is drawn; otherwise one line per event. With --json the \
            events and messages are printed as NDJSON ({"event": …} / {"message": …} per line) and the \
            last line is {"result": <ExecutionResult>}. The first Ctrl-C cancels the execution \
            gracefully, a second one stops at once. The execution is recorded in the store \
            (.tide/tide.db beside the plan) unless --in-memory is given; `tide resume ID` continues it \
            after a crash.
            The first line names the execution and its store (with --json: {"execution": …}).
            """
    )

    @OptionGroup var input: PlanInput
    @OptionGroup var output: OutputOptions
    @OptionGroup var storage: StoreOptions
    @OptionGroup var scripts: ScriptOptions
    @OptionGroup var checkpoints: CheckpointOptions
    @OptionGroup var limits: LimitOptions

    @Option(help: "Most tasks running at once (overrides the plan's concurrency).")
    var concurrency: Int?

    @Option(
        name: .customLong("pool"),
        help: ArgumentHelp(
            "A resource pool (repeatable), replacing the default and the plan's pool of that type.",
            valueName: "type=capacity[@costPerUnitSecond]"))
    var pools: [String] = []

    @Flag(help: "Keep the execution in memory only: nothing is recorded, it cannot be resumed.")
    var inMemory = false

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        _ = try parsedPools()
    }

    func run() async throws {
        let mode = output.mode
        let clock = EngineClock.continuous
        let options = LuaPlanOptions(
            clock: clock, maxConcurrency: concurrency,
            log: { level, text, location in
                let place = location.map { "\($0): " } ?? ""
                Terminal.standardError.write("\(place)\(level.rawValue) \(text)\n")
            }, limitOverrides: try limits.overrides())
        let loaded = try await input.load(options: options)
        try scripts.checkFolders()
        let store = inMemory ? nil : try storage.openForPlan(at: input.plan)
        let executionId = UUID().uuidString.lowercased()
        if let store {
            // Recorded as owned by this process, at the durability asked for (`process` by default).
            try failing {
                try store.create(
                    StoredExecution(
                        id: executionId, planId: loaded.plan.id, planName: loaded.plan.name,
                        planFile: URL(fileURLWithPath: input.plan).standardizedFileURL.path, planSource: loaded.source,
                        totalTasks: loaded.plan.tasks.count, variables: loaded.plan.variables,
                        pid: Int(ProcessInfo.processInfo.processIdentifier), limits: loaded.plan.limits))
            }
        }
        var session = ExecutionSession(
            loaded: loaded, store: store, mode: mode,
            pools: ExecutionSession.pools(declared: loaded.pools, options: try parsedPools()), clock: clock,
            scripts: scripts, stdlib: input.stdlibPath())
        session.checkpoints = checkpoints.policy
        let code = try await session.run(executionId: executionId)
        if code != 0 { throw ExitCode(code) }
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
            return ResourcePool(type: parts[0], capacity: capacity, costPerUnitSecond: cost)
        }
    }
}
