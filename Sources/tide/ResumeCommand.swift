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
        if execution.isLive() {
            guard execution.status == .paused else {
                Terminal.standardError.write(
                    "tide: execution \(execution.id) is \(execution.status.rawValue) in process \(execution.pid ?? 0); "
                        + "only a paused one can be resumed there\n")
                throw ExitCode(1)
            }
            try await ControlRequest.send("resume", to: execution, in: store)
            return
        }
        guard execution.status != .completed else {
            Terminal.standardError.write("tide: execution \(execution.id) completed; there is nothing to resume\n")
            throw ExitCode(1)
        }
        let loaded = try await continuing.loadPlan(of: execution)
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

    /// The execution's plan, as it started (see ``RecordedPlan``).
    func loadPlan(of execution: StoredExecution) async throws -> LuaPlan {
        try await RecordedPlan.load(execution, input: loading, allowChanged: allowChangedPlan)
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
