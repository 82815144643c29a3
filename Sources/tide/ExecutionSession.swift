import ArgumentParser
import Foundation
import Tide

/// One execution run by this process: the engine, the store, the live output, Ctrl-C, and the
/// requests other `tide` processes leave in the store (`tide pause/resume/cancel`).
struct ExecutionSession {
    let loaded: LuaPlan
    let store: ExecutionStore?
    let mode: RunReporter.Mode
    let pools: [ResourcePool]
    let clock: EngineClock
    let scripts: ScriptOptions
    let stdlib: String?
    var checkpoints = CheckpointPolicy.off

    /// Runs the execution (a new one, or one resumed from `point`) to its end and returns the exit
    /// code (``TideExit``): 0 completed, 1 failed, 3 cancelled by a control command, 75 when another
    /// process took it over, 130 by Ctrl-C.
    ///
    /// The store must already record this process as the execution's owner (`create` or `claim`);
    /// ownership is given up when the run ends.
    func run(executionId: String, resumingFrom point: ResumePoint? = nil) async throws -> Int32 {
        defer { try? store?.release(executionId) }
        let reporter = RunReporter(mode: mode)
        // The first line says who: before anything runs.
        reporter.announce(executionId: executionId, planId: loaded.plan.id, store: store?.path)
        let engine = DefaultExecutionEngine(
            clock: clock, configuration: EngineConfiguration(checkpointPolicy: checkpoints, pools: pools),
            journal: store)
        let live = try await LiveScripts(engine: engine, options: scripts, stdlib: stdlib)
        defer { live.stop() }
        let id = try await engine.start(loaded.plan, executionId: executionId, resumingFrom: point)
        try await live.attach(id)
        let interrupts = Interrupts {
            Task { try? await engine.cancel(id) }
        }
        let controller = store.map { store in
            Task { await Self.serveControls(store: store, engine: engine, executionId: id) }
        }
        defer { controller?.cancel() }
        if mode != .quiet {
            // Reads go through the engine's commit gate: only committed events and messages.
            var seenEvents = point?.lastEventSequence ?? 0
            var seenMessages = 0
            for await update in try await engine.monitor(id) {
                let events = try await engine.events(of: id, after: seenEvents)
                let messages = try await engine.messages(of: id, after: seenMessages)
                seenEvents = events.last.flatMap { Int($0.id) } ?? seenEvents
                seenMessages += messages.count
                reporter.show(update, events: events, messages: messages)
            }
        }
        let result = try await engine.result(of: id)
        reporter.finish(result)
        if result.error?.code == "STORE_ERROR", let store, (try? store.owns(id)) == false {
            return TideExit.owned  // another process took the execution over
        }
        switch result.status {
        case .completed: return TideExit.completed
        case .cancelled where interrupts.interrupted: return TideExit.interrupted
        case .cancelled: return TideExit.cancelled
        default: return TideExit.failed
        }
    }

    /// Runs a recorded execution, which this process has claimed, on in this process from `point`;
    /// exits with the run's code.
    static func resume(
        _ execution: StoredExecution, of loaded: LuaPlan, from point: ResumePoint, in store: ExecutionStore,
        mode: RunReporter.Mode, scripts: ScriptOptions, stdlib: String?, checkpoints: CheckpointPolicy = .off
    ) async throws {
        var session = ExecutionSession(
            loaded: loaded, store: store, mode: mode, pools: pools(declared: loaded.pools, options: []),
            clock: .continuous, scripts: scripts, stdlib: stdlib)
        session.checkpoints = checkpoints
        let code = try await session.run(executionId: execution.id, resumingFrom: point)
        if code != 0 { throw ExitCode(code) }
    }

    /// Writes a heartbeat every second and applies control requests from other processes, four
    /// times a second, until cancelled.
    private static func serveControls(store: ExecutionStore, engine: DefaultExecutionEngine, executionId: String)
        async
    {
        var ticks = 0
        while !Task.isCancelled {
            if ticks % 4 == 0 {
                do {
                    try store.heartbeat(executionId)
                } catch  where error.code == .lostOwnership {
                    // Another process claimed it: this one must not go on (its commits fail anyway).
                    Terminal.standardError.write("tide: \(error.message)\n")
                    try? await engine.cancel(executionId)
                    return
                } catch {}
            }
            ticks += 1
            for request in (try? store.pendingControls(executionId)) ?? [] {
                var outcome = "ok"
                do {
                    switch request.command {
                    case "pause": try await engine.pause(executionId)
                    case "resume": try await engine.resume(executionId)
                    case "cancel": try await engine.cancel(executionId)
                    default: outcome = "unknown command '\(request.command)'"
                    }
                } catch {
                    outcome = "\(error)"
                }
                try? store.markApplied(request.id, outcome: outcome)
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The pools the engine gets: defaults for this machine, then the plan's, then `--pool`.
    static func pools(declared: [ResourcePool], options: [ResourcePool]) -> [ResourcePool] {
        var byType: [String: ResourcePool] = [:]
        let info = ProcessInfo.processInfo
        byType["computational"] = ResourcePool(type: "computational", capacity: Double(info.activeProcessorCount))
        byType["memory"] = ResourcePool(
            type: "memory", capacity: Double(info.physicalMemory >> 20), attributes: ["unit": "MiB"])
        for pool in declared { byType[pool.type] = pool }
        for pool in options { byType[pool.type] = pool }
        return byType.values.sorted { $0.type < $1.type }
    }
}

/// The output options `run`, `resume` and `restore` share.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print events, messages and the final result as JSON lines.")
    var json = false

    @Flag(
        name: .customLong("json-timeline"),
        help: """
            Like --json, and the final {"result"} line also carries the whole timeline (by default it \
            says only "timelineEvents": N, the events having been streamed already).
            """)
    var jsonTimeline = false

    @Flag(help: "Print only the summary.")
    var quiet = false

    func validate() throws {
        if (json || jsonTimeline) && quiet { throw ValidationError("--json and --quiet cannot be used together") }
    }

    var mode: RunReporter.Mode {
        json || jsonTimeline
            ? .json(timeline: jsonTimeline)
            : quiet ? .quiet : Terminal.standardOutput.isInteractive ? .progress : .lines
    }
}
