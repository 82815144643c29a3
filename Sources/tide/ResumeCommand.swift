import ArgumentParser
import Foundation
import Tide

/// `tide resume ID`: continues an execution — a paused one running in another process, or one
/// whose process died (or that failed or was cancelled) from its last durable state.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume an execution: a paused one, or one whose process stopped, from its last durable state.",
        discussion: """
            A paused execution running in another tide process is resumed there. Otherwise the execution \
            continues in this process: completed tasks keep their results, the others run again with \
            their attempt numbers increased, and the timeline goes on after a RECOVERY_INITIATED event.
            """
    )

    @Argument(help: "The execution id (or a unique prefix of it).")
    var id: String

    @OptionGroup var storage: StoreOptions
    @OptionGroup var continuing: ContinueOptions

    func run() async throws {
        let store = try storage.openExisting()
        let execution = try failing { try store.execution(matching: id) }
        if execution.isLive(), execution.status == .paused {
            try await ControlRequest.send("resume", to: execution, in: store)
            return
        }
        _ = try continuing.claim(execution, in: store, durability: storage.requestedDurability)
        let loaded = try await continuing.loadPlan(of: execution, releasingOnFailure: store)
        let point = try failing { try store.lastDurableState(of: execution.id) }
        try await continuing.run(loaded, execution, from: point, in: store)
    }
}

/// The options of the commands that run a recorded execution on in this process (`resume`,
/// `restore`), and the running itself.
struct ContinueOptions: ParsableArguments {
    @Flag(help: "Go on even though the plan file changed since the execution started.")
    var allowChangedPlan = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var loading: PlanLoading
    @OptionGroup var scripts: ScriptOptions
    @OptionGroup var checkpoints: CheckpointOptions

    /// Makes this process the execution's owner, in one atomic step: a process that another live
    /// one owns is refused (exit 75) before anything runs. Says so when the recorded durability
    /// is kept over a lower `--durability`.
    func claim(_ execution: StoredExecution, in store: ExecutionStore, durability: Durability?) throws
        -> ExecutionClaim
    {
        try scripts.checkFolders()
        let claim = try failing { try store.claim(execution.id, durability: durability) }
        if let durability, durability < claim.durability {
            Terminal.standardError.write(
                "tide: execution \(execution.id) runs at durability \(claim.durability.rawValue), as recorded; "
                    + "--durability can raise it, never lower it\n")
        }
        try sweepChildren(of: execution, in: store)
        return claim
    }

    /// Kills what the execution's attempts left running before anything runs again, and says so.
    private func sweepChildren(of execution: StoredExecution, in store: ExecutionStore) throws {
        let children = try failing { try store.liveChildren(of: execution.id) }
        let report = ChildSweep.sweep(executionId: execution.id, children: children)
        if !report.killed.isEmpty {
            Terminal.standardError.write(
                "tide: killed \(report.killed.count) process(es) left running by the previous run of execution "
                    + "\(execution.id) (pids \(report.killed.map(String.init).joined(separator: ", "))), so that no "
                    + "task runs twice at once\n")
        }
        for host in Set(report.elsewhere.map(\.host)).sorted() {
            let there = report.elsewhere.filter { $0.host == host }
            Terminal.standardError.write(
                "tide: \(there.count) child process(es) of execution \(execution.id) were started on host \(host), "
                    + "which this process cannot reach (pids \(there.map { String($0.identity.pid) }.joined(separator: ", ")); "
                    + "make sure they are gone there\n")
        }
        try failing { try store.childrenSwept(of: execution.id, host: ChildProcess.currentHost) }
    }

    /// The execution's plan, as it started (see ``RecordedPlan``); on failure, gives up the claim
    /// so that a corrected resume can claim it at once.
    func loadPlan(of execution: StoredExecution, releasingOnFailure store: ExecutionStore) async throws -> LuaPlan {
        do {
            return try await RecordedPlan.load(execution, input: loading, allowChanged: allowChangedPlan)
        } catch {
            try? store.release(execution.id)
            throw error
        }
    }

    /// Runs the execution on from `point`; exits with the run's code.
    func run(_ loaded: LuaPlan, _ execution: StoredExecution, from point: ResumePoint, in store: ExecutionStore)
        async throws
    {
        try await ExecutionSession.resume(
            execution, of: loaded, from: point, in: store, mode: output.mode, scripts: scripts,
            stdlib: PlanInput.findStdlib(explicit: loading.stdlib), checkpoints: checkpoints.policy)
    }
}
