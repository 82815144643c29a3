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

    @Flag(help: "Resume even though the plan file changed since the execution started.")
    var allowChangedPlan = false

    @OptionGroup var storage: StoreOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var loading: PlanLoading
    @OptionGroup var scripts: ScriptOptions
    @OptionGroup var checkpoints: CheckpointOptions

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
        let loaded = try await RecordedPlan.load(execution, input: loading, allowChanged: allowChangedPlan)
        let point = try failing { try store.lastDurableState(of: execution.id) }
        try await ExecutionSession.resume(
            execution, of: loaded, from: point, in: store, mode: output.mode, scripts: scripts,
            stdlib: PlanInput.findStdlib(explicit: loading.stdlib), checkpoints: checkpoints.policy)
    }
}

/// `tide restore CHECKPOINT_ID`: resumes an execution from one of its stored checkpoints.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Roll an execution back to a stored checkpoint and run it on from there.",
        discussion: "Tasks the checkpoint lists as completed keep their results; every other task runs again."
    )

    @Argument(help: "The checkpoint id (tide checkpoints ID lists them).")
    var checkpointId: String

    @Flag(help: "Restore even though the plan file changed since the execution started.")
    var allowChangedPlan = false

    @OptionGroup var storage: StoreOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var loading: PlanLoading
    @OptionGroup var scripts: ScriptOptions
    @OptionGroup var checkpoints: CheckpointOptions

    func run() async throws {
        let store = try storage.openExisting()
        let checkpoint = try failing { try store.checkpoint(checkpointId) }
        let execution = try failing { try store.execution(matching: checkpoint.executionId) }
        if execution.isLive() {
            Terminal.standardError.write(
                "tide: execution \(execution.id) is running in process \(execution.pid ?? 0): cancel it first "
                    + "(tide cancel \(execution.id))\n")
            throw ExitCode(1)
        }
        let loaded = try await RecordedPlan.load(execution, input: loading, allowChanged: allowChangedPlan)
        var point = try failing { try store.lastDurableState(of: execution.id) }
        let results = checkpoint.metadata["results"]
        point.completed = Dictionary(
            uniqueKeysWithValues: checkpoint.state.completedTasks.map { ($0, results?[$0] ?? .null) })
        point.taskStates = checkpoint.state.taskStates
        point.variables = checkpoint.state.variables
        point.source = "checkpoint \(checkpoint.id)"
        try failing { try store.rewind(execution.id, keeping: Set(point.completed.keys), states: point.taskStates) }
        try await ExecutionSession.resume(
            execution, of: loaded, from: point, in: store, mode: output.mode, scripts: scripts,
            stdlib: PlanInput.findStdlib(explicit: loading.stdlib), checkpoints: checkpoints.policy)
    }
}
